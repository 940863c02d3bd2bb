// kernel k4_einsum: fuses %37 einsum (body of scan %8)
// kernel k4_einsum: domain [1, 2, 8, 8] -> loops [2 par, 8 red, 8], f32, 8 lanes
// ABI: void k4_einsum(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0
module {
  func.func @k4_einsum(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %n1 = llvm.mlir.constant(128 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<128xf32>
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
    %c7 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %c12 = arith.constant 0.00000000e+00 : f32
    %c23 = arith.constant 64 : index
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    %t3 = arith.muli %t0, %c2 : index
    %t4 = arith.muli %t1, %c2 : index
    scf.for %i5 = %t3 to %t4 step %c6 {
      scf.for %i9 = %c7 to %c8 step %c6 {
        %t10 = arith.muli %i5, %c8 : index
        %t11 = arith.addi %t10, %i9 : index
        memref.store %c12, %m2[%t11] : memref<16xf32>
      }
    }
    %t13 = arith.index_cast %lo : i64 to index
    %t14 = arith.index_cast %hi : i64 to index
    %t15 = arith.muli %t13, %c2 : index
    %t16 = arith.muli %t14, %c2 : index
    scf.for %i17 = %t15 to %t16 step %c6 {
      scf.for %i18 = %c7 to %c8 step %c6 {
        %t19 = arith.muli %i17, %c8 : index
        %t20 = arith.addi %t19, %i18 : index
        %t21 = memref.load %m0[%t20] : memref<16xf32>
        %t22 = vector.broadcast %t21 : f32 to vector<8xf32>
        %t24 = arith.muli %i17, %c23 : index
        %t25 = arith.muli %i18, %c8 : index
        %t26 = arith.addi %t24, %t25 : index
        %t27 = arith.muli %i17, %c8 : index
        scf.for %j28 = %c7 to %c8 step %c8 {
          %t29 = arith.addi %t26, %j28 : index
          %t30 = vector.load %m1[%t29] : memref<128xf32>, vector<8xf32>
          %t31 = arith.mulf %t22, %t30 : vector<8xf32>
          %t32 = arith.addi %t27, %j28 : index
          %t33 = vector.load %m2[%t32] : memref<16xf32>, vector<8xf32>
          %t34 = arith.addf %t33, %t31 : vector<8xf32>
          vector.store %t34, %m2[%t32] : memref<16xf32>, vector<8xf32>
        }
      }
    }
    return
  }
}
