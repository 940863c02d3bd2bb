// kernel k2_mul_mul_add_div_mul_sum: fuses %22 mul, %24 mul, %25 add, %27 div, %28 mul, %29 sum (body of scan %8)
// kernel k2_mul_mul_add_div_mul_sum: domain [1, 2, 8] -> loops [2 par, 8 red], f32, 8 lanes
// ABI: void k2_mul_mul_add_div_mul_sum(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0
module {
  func.func @k2_mul_mul_add_div_mul_sum(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %n1 = llvm.mlir.constant(16 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(2 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
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
    %n4 = llvm.mlir.constant(16 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp5 = llvm.getelementptr %bufs[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p5 = llvm.load %pp5 : !llvm.ptr -> !llvm.ptr
    %n5 = llvm.mlir.constant(16 : i64) : i64
    %d5_0 = llvm.insertvalue %p5, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_1 = llvm.insertvalue %p5, %d5_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_2 = llvm.insertvalue %z, %d5_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_3 = llvm.insertvalue %n5, %d5_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_4 = llvm.insertvalue %one, %d5_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m5 = builtin.unrealized_conversion_cast %d5_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp6 = llvm.getelementptr %bufs[6] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p6 = llvm.load %pp6 : !llvm.ptr -> !llvm.ptr
    %n6 = llvm.mlir.constant(16 : i64) : i64
    %d6_0 = llvm.insertvalue %p6, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d6_1 = llvm.insertvalue %p6, %d6_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d6_2 = llvm.insertvalue %z, %d6_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d6_3 = llvm.insertvalue %n6, %d6_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d6_4 = llvm.insertvalue %one, %d6_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m6 = builtin.unrealized_conversion_cast %d6_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp7 = llvm.getelementptr %bufs[7] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p7 = llvm.load %pp7 : !llvm.ptr -> !llvm.ptr
    %n7 = llvm.mlir.constant(2 : i64) : i64
    %d7_0 = llvm.insertvalue %p7, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_1 = llvm.insertvalue %p7, %d7_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_2 = llvm.insertvalue %z, %d7_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_3 = llvm.insertvalue %n7, %d7_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_4 = llvm.insertvalue %one, %d7_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m7 = builtin.unrealized_conversion_cast %d7_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %c2 = arith.constant 2 : index
    %c6 = arith.constant 1 : index
    %c7 = arith.constant 0.00000000e+00 : f32
    %c15 = arith.constant 8 : index
    %c23 = arith.constant 0 : index
    %c27 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c37 = arith.constant dense<2.82842708e+00> : vector<8xf32>
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    %t3 = arith.muli %t0, %c2 : index
    %t4 = arith.muli %t1, %c2 : index
    scf.for %i5 = %t3 to %t4 step %c6 {
      memref.store %c7, %m7[%i5] : memref<2xf32>
    }
    %t8 = arith.index_cast %lo : i64 to index
    %t9 = arith.index_cast %hi : i64 to index
    %t10 = arith.muli %t8, %c2 : index
    %t11 = arith.muli %t9, %c2 : index
    scf.for %i12 = %t10 to %t11 step %c6 {
      %t13 = memref.load %m0[%i12] : memref<2xf32>
      %t14 = vector.broadcast %t13 : f32 to vector<8xf32>
      %t16 = arith.muli %i12, %c15 : index
      %t17 = memref.load %m2[%i12] : memref<2xf32>
      %t18 = vector.broadcast %t17 : f32 to vector<8xf32>
      %t19 = arith.muli %i12, %c15 : index
      %t20 = arith.muli %i12, %c15 : index
      %t21 = arith.muli %i12, %c15 : index
      %t22 = arith.muli %i12, %c15 : index
      %r26 = scf.for %j24 = %c23 to %c15 step %c15 iter_args(%acc25 = %c27) -> (vector<8xf32>) {
        %t28 = arith.addi %t16, %j24 : index
        %t29 = vector.load %m1[%t28] : memref<16xf32>, vector<8xf32>
        %t30 = arith.mulf %t14, %t29 : vector<8xf32>
        %t31 = arith.addi %t19, %j24 : index
        %t32 = vector.load %m3[%t31] : memref<16xf32>, vector<8xf32>
        %t33 = arith.mulf %t18, %t32 : vector<8xf32>
        %t34 = arith.addf %t30, %t33 : vector<8xf32>
        %t35 = arith.addi %t20, %j24 : index
        %t36 = vector.load %m4[%t35] : memref<16xf32>, vector<8xf32>
        %t38 = arith.divf %t36, %c37 : vector<8xf32>
        %t39 = arith.mulf %t38, %t34 : vector<8xf32>
        %t40 = arith.addi %t21, %j24 : index
        vector.store %t34, %m5[%t40] : memref<16xf32>, vector<8xf32>
        %t41 = arith.addi %t22, %j24 : index
        vector.store %t38, %m6[%t41] : memref<16xf32>, vector<8xf32>
        %t42 = arith.addf %acc25, %t39 : vector<8xf32>
        scf.yield %t42 : vector<8xf32>
      }
      %t43 = vector.reduction <add>, %r26 : vector<8xf32> into f32
      %t44 = memref.load %m7[%i12] : memref<2xf32>
      %t45 = arith.addf %t44, %t43 : f32
      memref.store %t45, %m7[%i12] : memref<2xf32>
    }
    return
  }
}
