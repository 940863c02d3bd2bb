// kernel k0_add_max_mul: fuses %3 add, %4 max, %6 mul (body of scan %3)
// kernel k0_add_max_mul: domain [2, 3] -> loops [6 par], f32, 8 lanes
// ABI: void k0_add_max_mul(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0
module {
  func.func @k0_add_max_mul(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(6 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %pp1 = llvm.getelementptr %bufs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p1 = llvm.load %pp1 : !llvm.ptr -> !llvm.ptr
    %n1 = llvm.mlir.constant(6 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(6 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %pp3 = llvm.getelementptr %bufs[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p3 = llvm.load %pp3 : !llvm.ptr -> !llvm.ptr
    %n3 = llvm.mlir.constant(6 : i64) : i64
    %d3_0 = llvm.insertvalue %p3, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_1 = llvm.insertvalue %p3, %d3_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_2 = llvm.insertvalue %z, %d3_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_3 = llvm.insertvalue %n3, %d3_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_4 = llvm.insertvalue %one, %d3_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m3 = builtin.unrealized_conversion_cast %d3_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %pp4 = llvm.getelementptr %bufs[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p4 = llvm.load %pp4 : !llvm.ptr -> !llvm.ptr
    %n4 = llvm.mlir.constant(6 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %pp5 = llvm.getelementptr %bufs[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p5 = llvm.load %pp5 : !llvm.ptr -> !llvm.ptr
    %n5 = llvm.mlir.constant(6 : i64) : i64
    %d5_0 = llvm.insertvalue %p5, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_1 = llvm.insertvalue %p5, %d5_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_2 = llvm.insertvalue %z, %d5_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_3 = llvm.insertvalue %n5, %d5_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_4 = llvm.insertvalue %one, %d5_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m5 = builtin.unrealized_conversion_cast %d5_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<6xf32>
    %c0 = arith.constant 0 : index
    %c3 = arith.constant 3 : index
    %c7 = arith.constant 8 : index
    %c23 = arith.constant dense<2.00000000e+00> : vector<8xf32>
    %c29 = arith.constant 1 : index
    %c41 = arith.constant 2.00000000e+00 : f32
    %t1 = arith.index_cast %lo : i64 to index
    %t2 = arith.index_cast %hi : i64 to index
    %t4 = arith.muli %t1, %c3 : index
    %t5 = arith.muli %t2, %c3 : index
    %t6 = arith.subi %t5, %t4 : index
    %t8 = arith.divui %t6, %c7 : index
    %t9 = arith.muli %t8, %c7 : index
    %t10 = arith.addi %t4, %t9 : index
    scf.for %j11 = %t4 to %t10 step %c7 {
      %t12 = arith.addi %c0, %j11 : index
      %t13 = vector.load %m0[%t12] : memref<6xf32>, vector<8xf32>
      %t14 = arith.addi %c0, %j11 : index
      %t15 = vector.load %m1[%t14] : memref<6xf32>, vector<8xf32>
      %t16 = arith.addf %t13, %t15 : vector<8xf32>
      %t17 = arith.addi %c0, %j11 : index
      %t18 = vector.load %m2[%t17] : memref<6xf32>, vector<8xf32>
      %t19 = arith.cmpf oge, %t18, %t15 : vector<8xf32>
      %t20 = arith.cmpf uno, %t18, %t18 : vector<8xf32>
      %t21 = arith.ori %t20, %t19 : vector<8xi1>
      %t22 = arith.select %t21, %t18, %t15 : vector<8xi1>, vector<8xf32>
      %t24 = arith.mulf %t16, %c23 : vector<8xf32>
      %t25 = arith.addi %c0, %j11 : index
      vector.store %t16, %m3[%t25] : memref<6xf32>, vector<8xf32>
      %t26 = arith.addi %c0, %j11 : index
      vector.store %t22, %m4[%t26] : memref<6xf32>, vector<8xf32>
      %t27 = arith.addi %c0, %j11 : index
      vector.store %t24, %m5[%t27] : memref<6xf32>, vector<8xf32>
    }
    scf.for %j28 = %t10 to %t5 step %c29 {
      %t30 = arith.addi %c0, %j28 : index
      %t31 = memref.load %m0[%t30] : memref<6xf32>
      %t32 = arith.addi %c0, %j28 : index
      %t33 = memref.load %m1[%t32] : memref<6xf32>
      %t34 = arith.addf %t31, %t33 : f32
      %t35 = arith.addi %c0, %j28 : index
      %t36 = memref.load %m2[%t35] : memref<6xf32>
      %t37 = arith.cmpf oge, %t36, %t33 : f32
      %t38 = arith.cmpf uno, %t36, %t36 : f32
      %t39 = arith.ori %t38, %t37 : i1
      %t40 = arith.select %t39, %t36, %t33 : f32
      %t42 = arith.mulf %t34, %c41 : f32
      %t43 = arith.addi %c0, %j28 : index
      memref.store %t34, %m3[%t43] : memref<6xf32>
      %t44 = arith.addi %c0, %j28 : index
      memref.store %t40, %m4[%t44] : memref<6xf32>
      %t45 = arith.addi %c0, %j28 : index
      memref.store %t42, %m5[%t45] : memref<6xf32>
    }
    return
  }
}
