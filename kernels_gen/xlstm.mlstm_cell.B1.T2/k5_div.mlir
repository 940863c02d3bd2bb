// kernel k5_div: fuses %39 div (body of scan %8)
// kernel k5_div: domain [1, 2, 8] -> loops [2 par, 8], f32, 8 lanes
// ABI: void k5_div(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0
module {
  func.func @k5_div(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(16 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp1 = llvm.getelementptr %bufs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p1 = llvm.load %pp1 : !llvm.ptr -> !llvm.ptr
    %n1 = llvm.mlir.constant(2 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(16 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %c2 = arith.constant 2 : index
    %c6 = arith.constant 1 : index
    %c7 = arith.constant 8 : index
    %c12 = arith.constant 0 : index
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    %t3 = arith.muli %t0, %c2 : index
    %t4 = arith.muli %t1, %c2 : index
    scf.for %i5 = %t3 to %t4 step %c6 {
      %t8 = arith.muli %i5, %c7 : index
      %t9 = memref.load %m1[%i5] : memref<2xf32>
      %t10 = vector.broadcast %t9 : f32 to vector<8xf32>
      %t11 = arith.muli %i5, %c7 : index
      scf.for %j13 = %c12 to %c7 step %c7 {
        %t14 = arith.addi %t8, %j13 : index
        %t15 = vector.load %m0[%t14] : memref<16xf32>, vector<8xf32>
        %t16 = arith.divf %t15, %t10 : vector<8xf32>
        %t17 = arith.addi %t11, %j13 : index
        vector.store %t16, %m2[%t17] : memref<16xf32>, vector<8xf32>
      }
    }
    return
  }
}
