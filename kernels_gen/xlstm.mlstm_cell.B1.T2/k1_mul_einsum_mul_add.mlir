// kernel k1_mul_einsum_mul_add: fuses %16 mul, %18 einsum, %19 mul, %20 add (body of scan %8)
// kernel k1_mul_einsum_mul_add: domain [1, 2, 8, 8] -> loops [2 par, 8, 8], f32, 8 lanes
// ABI: void k1_mul_einsum_mul_add(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0
module {
  func.func @k1_mul_einsum_mul_add(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(2 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
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
    %pp3 = llvm.getelementptr %bufs[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p3 = llvm.load %pp3 : !llvm.ptr -> !llvm.ptr
    %n3 = llvm.mlir.constant(16 : i64) : i64
    %d3_0 = llvm.insertvalue %p3, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_1 = llvm.insertvalue %p3, %d3_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_2 = llvm.insertvalue %z, %d3_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_3 = llvm.insertvalue %n3, %d3_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_4 = llvm.insertvalue %one, %d3_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m3 = builtin.unrealized_conversion_cast %d3_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp4 = llvm.getelementptr %bufs[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p4 = llvm.load %pp4 : !llvm.ptr -> !llvm.ptr
    %n4 = llvm.mlir.constant(2 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp5 = llvm.getelementptr %bufs[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p5 = llvm.load %pp5 : !llvm.ptr -> !llvm.ptr
    %n5 = llvm.mlir.constant(128 : i64) : i64
    %d5_0 = llvm.insertvalue %p5, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_1 = llvm.insertvalue %p5, %d5_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_2 = llvm.insertvalue %z, %d5_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_3 = llvm.insertvalue %n5, %d5_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_4 = llvm.insertvalue %one, %d5_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m5 = builtin.unrealized_conversion_cast %d5_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<128xf32>
    %c2 = arith.constant 2 : index
    %c6 = arith.constant 1 : index
    %c7 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %c12 = arith.constant 64 : index
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    %t3 = arith.muli %t0, %c2 : index
    %t4 = arith.muli %t1, %c2 : index
    scf.for %i5 = %t3 to %t4 step %c6 {
      scf.for %i9 = %c7 to %c8 step %c6 {
        %t10 = memref.load %m0[%i5] : memref<2xf32>
        %t11 = vector.broadcast %t10 : f32 to vector<8xf32>
        %t13 = arith.muli %i5, %c12 : index
        %t14 = arith.muli %i9, %c8 : index
        %t15 = arith.addi %t13, %t14 : index
        %t16 = arith.muli %i5, %c8 : index
        %t17 = arith.addi %t16, %i9 : index
        %t18 = memref.load %m2[%t17] : memref<16xf32>
        %t19 = vector.broadcast %t18 : f32 to vector<8xf32>
        %t20 = arith.muli %i5, %c8 : index
        %t21 = memref.load %m4[%i5] : memref<2xf32>
        %t22 = vector.broadcast %t21 : f32 to vector<8xf32>
        %t23 = arith.muli %i5, %c12 : index
        %t24 = arith.muli %i9, %c8 : index
        %t25 = arith.addi %t23, %t24 : index
        scf.for %j26 = %c7 to %c8 step %c8 {
          %t27 = arith.addi %t15, %j26 : index
          %t28 = vector.load %m1[%t27] : memref<128xf32>, vector<8xf32>
          %t29 = arith.mulf %t11, %t28 : vector<8xf32>
          %t30 = arith.addi %t20, %j26 : index
          %t31 = vector.load %m3[%t30] : memref<16xf32>, vector<8xf32>
          %t32 = arith.mulf %t19, %t31 : vector<8xf32>
          %t33 = arith.mulf %t22, %t32 : vector<8xf32>
          %t34 = arith.addf %t29, %t33 : vector<8xf32>
          %t35 = arith.addi %t25, %j26 : index
          vector.store %t34, %m5[%t35] : memref<128xf32>, vector<8xf32>
        }
      }
    }
    return
  }
}
