// kernel k5_concat: fuses %87 concat (body of scan %23)
// kernel k5_concat: domain [1, 4, 2, 8] -> loops [1, 4 par, 2, 8], f32, 8 lanes
// ABI: void k5_concat(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 1
module {
  func.func @k5_concat(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %n1 = llvm.mlir.constant(16 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
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
    %n4 = llvm.mlir.constant(64 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c6 = arith.constant 2 : index
    %c8 = arith.constant 8 : index
    %c13 = arith.constant 16 : index
    %c21 = arith.constant dense<3.00000000e+00> : vector<8xf32>
    %c24 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c27 = arith.constant 0.00000000e+00 : f32
    %c29 = arith.constant 1.00000000e+00 : f32
    %c37 = arith.constant dense<2.00000000e+00> : vector<8xf32>
    %c50 = arith.constant dense<1.00000000e+00> : vector<8xf32>
    scf.for %i2 = %c0 to %c1 step %c1 {
      %t3 = arith.index_cast %lo : i64 to index
      %t4 = arith.index_cast %hi : i64 to index
      scf.for %i5 = %t3 to %t4 step %c1 {
        scf.for %i7 = %c0 to %c6 step %c1 {
          %t9 = arith.muli %i7, %c8 : index
          %t10 = arith.muli %i7, %c8 : index
          %t11 = arith.muli %i7, %c8 : index
          %t12 = arith.muli %i7, %c8 : index
          %t14 = arith.muli %i5, %c13 : index
          %t15 = arith.muli %i7, %c8 : index
          %t16 = arith.addi %t14, %t15 : index
          scf.for %j17 = %c0 to %c8 step %c8 {
            %t18 = arith.index_cast %i5 : index to i64
            %t19 = arith.sitofp %t18 : i64 to f32
            %t20 = vector.broadcast %t19 : f32 to vector<8xf32>
            %t22 = arith.subf %t20, %c21 : vector<8xf32>
            %t23 = arith.addi %t9, %j17 : index
            %t26 = vector.extract %t22[0] : f32 from vector<8xf32>
            %t28 = arith.cmpf oge, %t26, %c27 : f32
            %t30 = arith.cmpf olt, %t26, %c29 : f32
            %t31 = arith.andi %t28, %t30 : i1
            %t25 = scf.if %t31 -> (vector<8xf32>) {
              %t32 = arith.fptosi %t26 : f32 to i64
              %t33 = arith.index_cast %t32 : i64 to index
              %t34 = arith.muli %t33, %c13 : index
              %t35 = arith.addi %t23, %t34 : index
              %t36 = vector.load %m0[%t35] : memref<16xf32>, vector<8xf32>
              scf.yield %t36 : vector<8xf32>
            } else {
              scf.yield %c24 : vector<8xf32>
            }
            %t38 = arith.subf %t20, %c37 : vector<8xf32>
            %t39 = arith.addi %t10, %j17 : index
            %t41 = vector.extract %t38[0] : f32 from vector<8xf32>
            %t42 = arith.cmpf oge, %t41, %c27 : f32
            %t43 = arith.cmpf olt, %t41, %c29 : f32
            %t44 = arith.andi %t42, %t43 : i1
            %t40 = scf.if %t44 -> (vector<8xf32>) {
              %t45 = arith.fptosi %t41 : f32 to i64
              %t46 = arith.index_cast %t45 : i64 to index
              %t47 = arith.muli %t46, %c13 : index
              %t48 = arith.addi %t39, %t47 : index
              %t49 = vector.load %m1[%t48] : memref<16xf32>, vector<8xf32>
              scf.yield %t49 : vector<8xf32>
            } else {
              scf.yield %c24 : vector<8xf32>
            }
            %t51 = arith.cmpf ogt, %c21, %t20 : vector<8xf32>
            %t52 = arith.select %t51, %c50, %c24 : vector<8xi1>, vector<8xf32>
            %t53 = arith.cmpf une, %t52, %c24 : vector<8xf32>
            %t54 = arith.select %t53, %t40, %t25 : vector<8xi1>, vector<8xf32>
            %t55 = arith.subf %t20, %c50 : vector<8xf32>
            %t56 = arith.addi %t11, %j17 : index
            %t58 = vector.extract %t55[0] : f32 from vector<8xf32>
            %t59 = arith.cmpf oge, %t58, %c27 : f32
            %t60 = arith.cmpf olt, %t58, %c29 : f32
            %t61 = arith.andi %t59, %t60 : i1
            %t57 = scf.if %t61 -> (vector<8xf32>) {
              %t62 = arith.fptosi %t58 : f32 to i64
              %t63 = arith.index_cast %t62 : i64 to index
              %t64 = arith.muli %t63, %c13 : index
              %t65 = arith.addi %t56, %t64 : index
              %t66 = vector.load %m2[%t65] : memref<16xf32>, vector<8xf32>
              scf.yield %t66 : vector<8xf32>
            } else {
              scf.yield %c24 : vector<8xf32>
            }
            %t67 = arith.cmpf ogt, %c37, %t20 : vector<8xf32>
            %t68 = arith.select %t67, %c50, %c24 : vector<8xi1>, vector<8xf32>
            %t69 = arith.cmpf une, %t68, %c24 : vector<8xf32>
            %t70 = arith.select %t69, %t57, %t54 : vector<8xi1>, vector<8xf32>
            %t71 = arith.addi %t12, %j17 : index
            %t73 = vector.extract %t20[0] : f32 from vector<8xf32>
            %t74 = arith.cmpf oge, %t73, %c27 : f32
            %t75 = arith.cmpf olt, %t73, %c29 : f32
            %t76 = arith.andi %t74, %t75 : i1
            %t72 = scf.if %t76 -> (vector<8xf32>) {
              %t77 = arith.fptosi %t73 : f32 to i64
              %t78 = arith.index_cast %t77 : i64 to index
              %t79 = arith.muli %t78, %c13 : index
              %t80 = arith.addi %t71, %t79 : index
              %t81 = vector.load %m3[%t80] : memref<16xf32>, vector<8xf32>
              scf.yield %t81 : vector<8xf32>
            } else {
              scf.yield %c24 : vector<8xf32>
            }
            %t82 = arith.cmpf ogt, %c50, %t20 : vector<8xf32>
            %t83 = arith.select %t82, %c50, %c24 : vector<8xi1>, vector<8xf32>
            %t84 = arith.cmpf une, %t83, %c24 : vector<8xf32>
            %t85 = arith.select %t84, %t72, %t70 : vector<8xi1>, vector<8xf32>
            %t86 = arith.addi %t16, %j17 : index
            vector.store %t85, %m4[%t86] : memref<64xf32>, vector<8xf32>
          }
        }
      }
    }
    return
  }
}
