// kernel k8_concat: fuses %52 concat (body of scan %17)
// kernel k8_concat: domain [1, 64] -> loops [1, 64 par], f32, 8 lanes
// ABI: void k8_concat(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 1
module {
  func.func @k8_concat(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %c6 = arith.constant 8 : index
    %c14 = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : vector<8xf32>
    %c16 = arith.constant dense<4.80000000e+01> : vector<8xf32>
    %c20 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c21 = arith.constant 1.60000000e+01 : f32
    %c23 = arith.constant 0.00000000e+00 : f32
    %c123 = arith.constant dense<3.20000000e+01> : vector<8xf32>
    %c227 = arith.constant dense<1.00000000e+00> : vector<8xf32>
    %c232 = arith.constant dense<1.60000000e+01> : vector<8xf32>
    %c450 = arith.constant 4.80000000e+01 : f32
    %c460 = arith.constant 3.20000000e+01 : f32
    %c470 = arith.constant 1.00000000e+00 : f32
    scf.for %i2 = %c0 to %c1 step %c1 {
      %t3 = arith.index_cast %lo : i64 to index
      %t4 = arith.index_cast %hi : i64 to index
      %t5 = arith.subi %t4, %t3 : index
      %t7 = arith.divui %t5, %c6 : index
      %t8 = arith.muli %t7, %c6 : index
      %t9 = arith.addi %t3, %t8 : index
      scf.for %j10 = %t3 to %t9 step %c6 {
        %t11 = arith.index_cast %j10 : index to i64
        %t12 = arith.sitofp %t11 : i64 to f32
        %t13 = vector.broadcast %t12 : f32 to vector<8xf32>
        %t15 = arith.addf %t13, %c14 : vector<8xf32>
        %t17 = arith.subf %t15, %c16 : vector<8xf32>
        %t18 = vector.extract %t17[0] : f32 from vector<8xf32>
        %t19 = vector.extract %t17[7] : f32 from vector<8xf32>
        %t22 = arith.cmpf olt, %t19, %c21 : f32
        %t24 = arith.cmpf oge, %t18, %c23 : f32
        %t25 = arith.andi %t24, %t22 : i1
        %t26 = arith.cmpf oge, %t18, %c21 : f32
        %t27 = arith.cmpf olt, %t19, %c23 : f32
        %t28 = arith.ori %t27, %t26 : i1
        %t29 = scf.if %t25 -> (vector<8xf32>) {
          %t31 = arith.fptosi %t18 : f32 to i64
          %t32 = arith.index_cast %t31 : i64 to index
          %t33 = arith.addi %c0, %t32 : index
          %t34 = vector.load %m0[%t33] : memref<16xf32>, vector<8xf32>
          scf.yield %t34 : vector<8xf32>
        } else {
          %t30 = scf.if %t28 -> (vector<8xf32>) {
            scf.yield %c20 : vector<8xf32>
          } else {
            %t36 = vector.extract %t17[0] : f32 from vector<8xf32>
            %t37 = vector.extract %t17[1] : f32 from vector<8xf32>
            %t38 = vector.extract %t17[2] : f32 from vector<8xf32>
            %t39 = vector.extract %t17[3] : f32 from vector<8xf32>
            %t40 = vector.extract %t17[4] : f32 from vector<8xf32>
            %t41 = vector.extract %t17[5] : f32 from vector<8xf32>
            %t42 = vector.extract %t17[6] : f32 from vector<8xf32>
            %t43 = vector.extract %t17[7] : f32 from vector<8xf32>
            %t44 = arith.cmpf oge, %t36, %c23 : f32
            %t45 = arith.cmpf olt, %t36, %c21 : f32
            %t46 = arith.andi %t44, %t45 : i1
            %t47 = scf.if %t46 -> (f32) {
              %t48 = arith.fptosi %t36 : f32 to i64
              %t49 = arith.index_cast %t48 : i64 to index
              %t50 = arith.addi %c0, %t49 : index
              %t51 = memref.load %m0[%t50] : memref<16xf32>
              scf.yield %t51 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t52 = vector.insert %t47, %c20 [0] : f32 into vector<8xf32>
            %t53 = arith.addi %c0, %c0 : index
            %t54 = arith.cmpf oge, %t37, %c23 : f32
            %t55 = arith.cmpf olt, %t37, %c21 : f32
            %t56 = arith.andi %t54, %t55 : i1
            %t57 = scf.if %t56 -> (f32) {
              %t58 = arith.fptosi %t37 : f32 to i64
              %t59 = arith.index_cast %t58 : i64 to index
              %t60 = arith.addi %t53, %t59 : index
              %t61 = memref.load %m0[%t60] : memref<16xf32>
              scf.yield %t61 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t62 = vector.insert %t57, %t52 [1] : f32 into vector<8xf32>
            %t63 = arith.addi %c0, %c0 : index
            %t64 = arith.cmpf oge, %t38, %c23 : f32
            %t65 = arith.cmpf olt, %t38, %c21 : f32
            %t66 = arith.andi %t64, %t65 : i1
            %t67 = scf.if %t66 -> (f32) {
              %t68 = arith.fptosi %t38 : f32 to i64
              %t69 = arith.index_cast %t68 : i64 to index
              %t70 = arith.addi %t63, %t69 : index
              %t71 = memref.load %m0[%t70] : memref<16xf32>
              scf.yield %t71 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t72 = vector.insert %t67, %t62 [2] : f32 into vector<8xf32>
            %t73 = arith.addi %c0, %c0 : index
            %t74 = arith.cmpf oge, %t39, %c23 : f32
            %t75 = arith.cmpf olt, %t39, %c21 : f32
            %t76 = arith.andi %t74, %t75 : i1
            %t77 = scf.if %t76 -> (f32) {
              %t78 = arith.fptosi %t39 : f32 to i64
              %t79 = arith.index_cast %t78 : i64 to index
              %t80 = arith.addi %t73, %t79 : index
              %t81 = memref.load %m0[%t80] : memref<16xf32>
              scf.yield %t81 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t82 = vector.insert %t77, %t72 [3] : f32 into vector<8xf32>
            %t83 = arith.addi %c0, %c0 : index
            %t84 = arith.cmpf oge, %t40, %c23 : f32
            %t85 = arith.cmpf olt, %t40, %c21 : f32
            %t86 = arith.andi %t84, %t85 : i1
            %t87 = scf.if %t86 -> (f32) {
              %t88 = arith.fptosi %t40 : f32 to i64
              %t89 = arith.index_cast %t88 : i64 to index
              %t90 = arith.addi %t83, %t89 : index
              %t91 = memref.load %m0[%t90] : memref<16xf32>
              scf.yield %t91 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t92 = vector.insert %t87, %t82 [4] : f32 into vector<8xf32>
            %t93 = arith.addi %c0, %c0 : index
            %t94 = arith.cmpf oge, %t41, %c23 : f32
            %t95 = arith.cmpf olt, %t41, %c21 : f32
            %t96 = arith.andi %t94, %t95 : i1
            %t97 = scf.if %t96 -> (f32) {
              %t98 = arith.fptosi %t41 : f32 to i64
              %t99 = arith.index_cast %t98 : i64 to index
              %t100 = arith.addi %t93, %t99 : index
              %t101 = memref.load %m0[%t100] : memref<16xf32>
              scf.yield %t101 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t102 = vector.insert %t97, %t92 [5] : f32 into vector<8xf32>
            %t103 = arith.addi %c0, %c0 : index
            %t104 = arith.cmpf oge, %t42, %c23 : f32
            %t105 = arith.cmpf olt, %t42, %c21 : f32
            %t106 = arith.andi %t104, %t105 : i1
            %t107 = scf.if %t106 -> (f32) {
              %t108 = arith.fptosi %t42 : f32 to i64
              %t109 = arith.index_cast %t108 : i64 to index
              %t110 = arith.addi %t103, %t109 : index
              %t111 = memref.load %m0[%t110] : memref<16xf32>
              scf.yield %t111 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t112 = vector.insert %t107, %t102 [6] : f32 into vector<8xf32>
            %t113 = arith.addi %c0, %c0 : index
            %t114 = arith.cmpf oge, %t43, %c23 : f32
            %t115 = arith.cmpf olt, %t43, %c21 : f32
            %t116 = arith.andi %t114, %t115 : i1
            %t117 = scf.if %t116 -> (f32) {
              %t118 = arith.fptosi %t43 : f32 to i64
              %t119 = arith.index_cast %t118 : i64 to index
              %t120 = arith.addi %t113, %t119 : index
              %t121 = memref.load %m0[%t120] : memref<16xf32>
              scf.yield %t121 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t122 = vector.insert %t117, %t112 [7] : f32 into vector<8xf32>
            scf.yield %t122 : vector<8xf32>
          }
          scf.yield %t30 : vector<8xf32>
        }
        %t124 = arith.subf %t15, %c123 : vector<8xf32>
        %t125 = vector.extract %t124[0] : f32 from vector<8xf32>
        %t126 = vector.extract %t124[7] : f32 from vector<8xf32>
        %t127 = arith.cmpf olt, %t126, %c21 : f32
        %t128 = arith.cmpf oge, %t125, %c23 : f32
        %t129 = arith.andi %t128, %t127 : i1
        %t130 = arith.cmpf oge, %t125, %c21 : f32
        %t131 = arith.cmpf olt, %t126, %c23 : f32
        %t132 = arith.ori %t131, %t130 : i1
        %t133 = scf.if %t129 -> (vector<8xf32>) {
          %t135 = arith.fptosi %t125 : f32 to i64
          %t136 = arith.index_cast %t135 : i64 to index
          %t137 = arith.addi %c0, %t136 : index
          %t138 = vector.load %m1[%t137] : memref<16xf32>, vector<8xf32>
          scf.yield %t138 : vector<8xf32>
        } else {
          %t134 = scf.if %t132 -> (vector<8xf32>) {
            scf.yield %c20 : vector<8xf32>
          } else {
            %t140 = vector.extract %t124[0] : f32 from vector<8xf32>
            %t141 = vector.extract %t124[1] : f32 from vector<8xf32>
            %t142 = vector.extract %t124[2] : f32 from vector<8xf32>
            %t143 = vector.extract %t124[3] : f32 from vector<8xf32>
            %t144 = vector.extract %t124[4] : f32 from vector<8xf32>
            %t145 = vector.extract %t124[5] : f32 from vector<8xf32>
            %t146 = vector.extract %t124[6] : f32 from vector<8xf32>
            %t147 = vector.extract %t124[7] : f32 from vector<8xf32>
            %t148 = arith.cmpf oge, %t140, %c23 : f32
            %t149 = arith.cmpf olt, %t140, %c21 : f32
            %t150 = arith.andi %t148, %t149 : i1
            %t151 = scf.if %t150 -> (f32) {
              %t152 = arith.fptosi %t140 : f32 to i64
              %t153 = arith.index_cast %t152 : i64 to index
              %t154 = arith.addi %c0, %t153 : index
              %t155 = memref.load %m1[%t154] : memref<16xf32>
              scf.yield %t155 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t156 = vector.insert %t151, %c20 [0] : f32 into vector<8xf32>
            %t157 = arith.addi %c0, %c0 : index
            %t158 = arith.cmpf oge, %t141, %c23 : f32
            %t159 = arith.cmpf olt, %t141, %c21 : f32
            %t160 = arith.andi %t158, %t159 : i1
            %t161 = scf.if %t160 -> (f32) {
              %t162 = arith.fptosi %t141 : f32 to i64
              %t163 = arith.index_cast %t162 : i64 to index
              %t164 = arith.addi %t157, %t163 : index
              %t165 = memref.load %m1[%t164] : memref<16xf32>
              scf.yield %t165 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t166 = vector.insert %t161, %t156 [1] : f32 into vector<8xf32>
            %t167 = arith.addi %c0, %c0 : index
            %t168 = arith.cmpf oge, %t142, %c23 : f32
            %t169 = arith.cmpf olt, %t142, %c21 : f32
            %t170 = arith.andi %t168, %t169 : i1
            %t171 = scf.if %t170 -> (f32) {
              %t172 = arith.fptosi %t142 : f32 to i64
              %t173 = arith.index_cast %t172 : i64 to index
              %t174 = arith.addi %t167, %t173 : index
              %t175 = memref.load %m1[%t174] : memref<16xf32>
              scf.yield %t175 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t176 = vector.insert %t171, %t166 [2] : f32 into vector<8xf32>
            %t177 = arith.addi %c0, %c0 : index
            %t178 = arith.cmpf oge, %t143, %c23 : f32
            %t179 = arith.cmpf olt, %t143, %c21 : f32
            %t180 = arith.andi %t178, %t179 : i1
            %t181 = scf.if %t180 -> (f32) {
              %t182 = arith.fptosi %t143 : f32 to i64
              %t183 = arith.index_cast %t182 : i64 to index
              %t184 = arith.addi %t177, %t183 : index
              %t185 = memref.load %m1[%t184] : memref<16xf32>
              scf.yield %t185 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t186 = vector.insert %t181, %t176 [3] : f32 into vector<8xf32>
            %t187 = arith.addi %c0, %c0 : index
            %t188 = arith.cmpf oge, %t144, %c23 : f32
            %t189 = arith.cmpf olt, %t144, %c21 : f32
            %t190 = arith.andi %t188, %t189 : i1
            %t191 = scf.if %t190 -> (f32) {
              %t192 = arith.fptosi %t144 : f32 to i64
              %t193 = arith.index_cast %t192 : i64 to index
              %t194 = arith.addi %t187, %t193 : index
              %t195 = memref.load %m1[%t194] : memref<16xf32>
              scf.yield %t195 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t196 = vector.insert %t191, %t186 [4] : f32 into vector<8xf32>
            %t197 = arith.addi %c0, %c0 : index
            %t198 = arith.cmpf oge, %t145, %c23 : f32
            %t199 = arith.cmpf olt, %t145, %c21 : f32
            %t200 = arith.andi %t198, %t199 : i1
            %t201 = scf.if %t200 -> (f32) {
              %t202 = arith.fptosi %t145 : f32 to i64
              %t203 = arith.index_cast %t202 : i64 to index
              %t204 = arith.addi %t197, %t203 : index
              %t205 = memref.load %m1[%t204] : memref<16xf32>
              scf.yield %t205 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t206 = vector.insert %t201, %t196 [5] : f32 into vector<8xf32>
            %t207 = arith.addi %c0, %c0 : index
            %t208 = arith.cmpf oge, %t146, %c23 : f32
            %t209 = arith.cmpf olt, %t146, %c21 : f32
            %t210 = arith.andi %t208, %t209 : i1
            %t211 = scf.if %t210 -> (f32) {
              %t212 = arith.fptosi %t146 : f32 to i64
              %t213 = arith.index_cast %t212 : i64 to index
              %t214 = arith.addi %t207, %t213 : index
              %t215 = memref.load %m1[%t214] : memref<16xf32>
              scf.yield %t215 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t216 = vector.insert %t211, %t206 [6] : f32 into vector<8xf32>
            %t217 = arith.addi %c0, %c0 : index
            %t218 = arith.cmpf oge, %t147, %c23 : f32
            %t219 = arith.cmpf olt, %t147, %c21 : f32
            %t220 = arith.andi %t218, %t219 : i1
            %t221 = scf.if %t220 -> (f32) {
              %t222 = arith.fptosi %t147 : f32 to i64
              %t223 = arith.index_cast %t222 : i64 to index
              %t224 = arith.addi %t217, %t223 : index
              %t225 = memref.load %m1[%t224] : memref<16xf32>
              scf.yield %t225 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t226 = vector.insert %t221, %t216 [7] : f32 into vector<8xf32>
            scf.yield %t226 : vector<8xf32>
          }
          scf.yield %t134 : vector<8xf32>
        }
        %t228 = arith.cmpf ogt, %c16, %t15 : vector<8xf32>
        %t229 = arith.select %t228, %c227, %c20 : vector<8xi1>, vector<8xf32>
        %t230 = arith.cmpf une, %t229, %c20 : vector<8xf32>
        %t231 = arith.select %t230, %t133, %t29 : vector<8xi1>, vector<8xf32>
        %t233 = arith.subf %t15, %c232 : vector<8xf32>
        %t234 = vector.extract %t233[0] : f32 from vector<8xf32>
        %t235 = vector.extract %t233[7] : f32 from vector<8xf32>
        %t236 = arith.cmpf olt, %t235, %c21 : f32
        %t237 = arith.cmpf oge, %t234, %c23 : f32
        %t238 = arith.andi %t237, %t236 : i1
        %t239 = arith.cmpf oge, %t234, %c21 : f32
        %t240 = arith.cmpf olt, %t235, %c23 : f32
        %t241 = arith.ori %t240, %t239 : i1
        %t242 = scf.if %t238 -> (vector<8xf32>) {
          %t244 = arith.fptosi %t234 : f32 to i64
          %t245 = arith.index_cast %t244 : i64 to index
          %t246 = arith.addi %c0, %t245 : index
          %t247 = vector.load %m2[%t246] : memref<16xf32>, vector<8xf32>
          scf.yield %t247 : vector<8xf32>
        } else {
          %t243 = scf.if %t241 -> (vector<8xf32>) {
            scf.yield %c20 : vector<8xf32>
          } else {
            %t249 = vector.extract %t233[0] : f32 from vector<8xf32>
            %t250 = vector.extract %t233[1] : f32 from vector<8xf32>
            %t251 = vector.extract %t233[2] : f32 from vector<8xf32>
            %t252 = vector.extract %t233[3] : f32 from vector<8xf32>
            %t253 = vector.extract %t233[4] : f32 from vector<8xf32>
            %t254 = vector.extract %t233[5] : f32 from vector<8xf32>
            %t255 = vector.extract %t233[6] : f32 from vector<8xf32>
            %t256 = vector.extract %t233[7] : f32 from vector<8xf32>
            %t257 = arith.cmpf oge, %t249, %c23 : f32
            %t258 = arith.cmpf olt, %t249, %c21 : f32
            %t259 = arith.andi %t257, %t258 : i1
            %t260 = scf.if %t259 -> (f32) {
              %t261 = arith.fptosi %t249 : f32 to i64
              %t262 = arith.index_cast %t261 : i64 to index
              %t263 = arith.addi %c0, %t262 : index
              %t264 = memref.load %m2[%t263] : memref<16xf32>
              scf.yield %t264 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t265 = vector.insert %t260, %c20 [0] : f32 into vector<8xf32>
            %t266 = arith.addi %c0, %c0 : index
            %t267 = arith.cmpf oge, %t250, %c23 : f32
            %t268 = arith.cmpf olt, %t250, %c21 : f32
            %t269 = arith.andi %t267, %t268 : i1
            %t270 = scf.if %t269 -> (f32) {
              %t271 = arith.fptosi %t250 : f32 to i64
              %t272 = arith.index_cast %t271 : i64 to index
              %t273 = arith.addi %t266, %t272 : index
              %t274 = memref.load %m2[%t273] : memref<16xf32>
              scf.yield %t274 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t275 = vector.insert %t270, %t265 [1] : f32 into vector<8xf32>
            %t276 = arith.addi %c0, %c0 : index
            %t277 = arith.cmpf oge, %t251, %c23 : f32
            %t278 = arith.cmpf olt, %t251, %c21 : f32
            %t279 = arith.andi %t277, %t278 : i1
            %t280 = scf.if %t279 -> (f32) {
              %t281 = arith.fptosi %t251 : f32 to i64
              %t282 = arith.index_cast %t281 : i64 to index
              %t283 = arith.addi %t276, %t282 : index
              %t284 = memref.load %m2[%t283] : memref<16xf32>
              scf.yield %t284 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t285 = vector.insert %t280, %t275 [2] : f32 into vector<8xf32>
            %t286 = arith.addi %c0, %c0 : index
            %t287 = arith.cmpf oge, %t252, %c23 : f32
            %t288 = arith.cmpf olt, %t252, %c21 : f32
            %t289 = arith.andi %t287, %t288 : i1
            %t290 = scf.if %t289 -> (f32) {
              %t291 = arith.fptosi %t252 : f32 to i64
              %t292 = arith.index_cast %t291 : i64 to index
              %t293 = arith.addi %t286, %t292 : index
              %t294 = memref.load %m2[%t293] : memref<16xf32>
              scf.yield %t294 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t295 = vector.insert %t290, %t285 [3] : f32 into vector<8xf32>
            %t296 = arith.addi %c0, %c0 : index
            %t297 = arith.cmpf oge, %t253, %c23 : f32
            %t298 = arith.cmpf olt, %t253, %c21 : f32
            %t299 = arith.andi %t297, %t298 : i1
            %t300 = scf.if %t299 -> (f32) {
              %t301 = arith.fptosi %t253 : f32 to i64
              %t302 = arith.index_cast %t301 : i64 to index
              %t303 = arith.addi %t296, %t302 : index
              %t304 = memref.load %m2[%t303] : memref<16xf32>
              scf.yield %t304 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t305 = vector.insert %t300, %t295 [4] : f32 into vector<8xf32>
            %t306 = arith.addi %c0, %c0 : index
            %t307 = arith.cmpf oge, %t254, %c23 : f32
            %t308 = arith.cmpf olt, %t254, %c21 : f32
            %t309 = arith.andi %t307, %t308 : i1
            %t310 = scf.if %t309 -> (f32) {
              %t311 = arith.fptosi %t254 : f32 to i64
              %t312 = arith.index_cast %t311 : i64 to index
              %t313 = arith.addi %t306, %t312 : index
              %t314 = memref.load %m2[%t313] : memref<16xf32>
              scf.yield %t314 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t315 = vector.insert %t310, %t305 [5] : f32 into vector<8xf32>
            %t316 = arith.addi %c0, %c0 : index
            %t317 = arith.cmpf oge, %t255, %c23 : f32
            %t318 = arith.cmpf olt, %t255, %c21 : f32
            %t319 = arith.andi %t317, %t318 : i1
            %t320 = scf.if %t319 -> (f32) {
              %t321 = arith.fptosi %t255 : f32 to i64
              %t322 = arith.index_cast %t321 : i64 to index
              %t323 = arith.addi %t316, %t322 : index
              %t324 = memref.load %m2[%t323] : memref<16xf32>
              scf.yield %t324 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t325 = vector.insert %t320, %t315 [6] : f32 into vector<8xf32>
            %t326 = arith.addi %c0, %c0 : index
            %t327 = arith.cmpf oge, %t256, %c23 : f32
            %t328 = arith.cmpf olt, %t256, %c21 : f32
            %t329 = arith.andi %t327, %t328 : i1
            %t330 = scf.if %t329 -> (f32) {
              %t331 = arith.fptosi %t256 : f32 to i64
              %t332 = arith.index_cast %t331 : i64 to index
              %t333 = arith.addi %t326, %t332 : index
              %t334 = memref.load %m2[%t333] : memref<16xf32>
              scf.yield %t334 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t335 = vector.insert %t330, %t325 [7] : f32 into vector<8xf32>
            scf.yield %t335 : vector<8xf32>
          }
          scf.yield %t243 : vector<8xf32>
        }
        %t336 = arith.cmpf ogt, %c123, %t15 : vector<8xf32>
        %t337 = arith.select %t336, %c227, %c20 : vector<8xi1>, vector<8xf32>
        %t338 = arith.cmpf une, %t337, %c20 : vector<8xf32>
        %t339 = arith.select %t338, %t242, %t231 : vector<8xi1>, vector<8xf32>
        %t340 = vector.extract %t15[0] : f32 from vector<8xf32>
        %t341 = vector.extract %t15[7] : f32 from vector<8xf32>
        %t342 = arith.cmpf olt, %t341, %c21 : f32
        %t343 = arith.cmpf oge, %t340, %c23 : f32
        %t344 = arith.andi %t343, %t342 : i1
        %t345 = arith.cmpf oge, %t340, %c21 : f32
        %t346 = arith.cmpf olt, %t341, %c23 : f32
        %t347 = arith.ori %t346, %t345 : i1
        %t348 = scf.if %t344 -> (vector<8xf32>) {
          %t350 = arith.fptosi %t340 : f32 to i64
          %t351 = arith.index_cast %t350 : i64 to index
          %t352 = arith.addi %c0, %t351 : index
          %t353 = vector.load %m3[%t352] : memref<16xf32>, vector<8xf32>
          scf.yield %t353 : vector<8xf32>
        } else {
          %t349 = scf.if %t347 -> (vector<8xf32>) {
            scf.yield %c20 : vector<8xf32>
          } else {
            %t355 = vector.extract %t15[0] : f32 from vector<8xf32>
            %t356 = vector.extract %t15[1] : f32 from vector<8xf32>
            %t357 = vector.extract %t15[2] : f32 from vector<8xf32>
            %t358 = vector.extract %t15[3] : f32 from vector<8xf32>
            %t359 = vector.extract %t15[4] : f32 from vector<8xf32>
            %t360 = vector.extract %t15[5] : f32 from vector<8xf32>
            %t361 = vector.extract %t15[6] : f32 from vector<8xf32>
            %t362 = vector.extract %t15[7] : f32 from vector<8xf32>
            %t363 = arith.cmpf oge, %t355, %c23 : f32
            %t364 = arith.cmpf olt, %t355, %c21 : f32
            %t365 = arith.andi %t363, %t364 : i1
            %t366 = scf.if %t365 -> (f32) {
              %t367 = arith.fptosi %t355 : f32 to i64
              %t368 = arith.index_cast %t367 : i64 to index
              %t369 = arith.addi %c0, %t368 : index
              %t370 = memref.load %m3[%t369] : memref<16xf32>
              scf.yield %t370 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t371 = vector.insert %t366, %c20 [0] : f32 into vector<8xf32>
            %t372 = arith.addi %c0, %c0 : index
            %t373 = arith.cmpf oge, %t356, %c23 : f32
            %t374 = arith.cmpf olt, %t356, %c21 : f32
            %t375 = arith.andi %t373, %t374 : i1
            %t376 = scf.if %t375 -> (f32) {
              %t377 = arith.fptosi %t356 : f32 to i64
              %t378 = arith.index_cast %t377 : i64 to index
              %t379 = arith.addi %t372, %t378 : index
              %t380 = memref.load %m3[%t379] : memref<16xf32>
              scf.yield %t380 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t381 = vector.insert %t376, %t371 [1] : f32 into vector<8xf32>
            %t382 = arith.addi %c0, %c0 : index
            %t383 = arith.cmpf oge, %t357, %c23 : f32
            %t384 = arith.cmpf olt, %t357, %c21 : f32
            %t385 = arith.andi %t383, %t384 : i1
            %t386 = scf.if %t385 -> (f32) {
              %t387 = arith.fptosi %t357 : f32 to i64
              %t388 = arith.index_cast %t387 : i64 to index
              %t389 = arith.addi %t382, %t388 : index
              %t390 = memref.load %m3[%t389] : memref<16xf32>
              scf.yield %t390 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t391 = vector.insert %t386, %t381 [2] : f32 into vector<8xf32>
            %t392 = arith.addi %c0, %c0 : index
            %t393 = arith.cmpf oge, %t358, %c23 : f32
            %t394 = arith.cmpf olt, %t358, %c21 : f32
            %t395 = arith.andi %t393, %t394 : i1
            %t396 = scf.if %t395 -> (f32) {
              %t397 = arith.fptosi %t358 : f32 to i64
              %t398 = arith.index_cast %t397 : i64 to index
              %t399 = arith.addi %t392, %t398 : index
              %t400 = memref.load %m3[%t399] : memref<16xf32>
              scf.yield %t400 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t401 = vector.insert %t396, %t391 [3] : f32 into vector<8xf32>
            %t402 = arith.addi %c0, %c0 : index
            %t403 = arith.cmpf oge, %t359, %c23 : f32
            %t404 = arith.cmpf olt, %t359, %c21 : f32
            %t405 = arith.andi %t403, %t404 : i1
            %t406 = scf.if %t405 -> (f32) {
              %t407 = arith.fptosi %t359 : f32 to i64
              %t408 = arith.index_cast %t407 : i64 to index
              %t409 = arith.addi %t402, %t408 : index
              %t410 = memref.load %m3[%t409] : memref<16xf32>
              scf.yield %t410 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t411 = vector.insert %t406, %t401 [4] : f32 into vector<8xf32>
            %t412 = arith.addi %c0, %c0 : index
            %t413 = arith.cmpf oge, %t360, %c23 : f32
            %t414 = arith.cmpf olt, %t360, %c21 : f32
            %t415 = arith.andi %t413, %t414 : i1
            %t416 = scf.if %t415 -> (f32) {
              %t417 = arith.fptosi %t360 : f32 to i64
              %t418 = arith.index_cast %t417 : i64 to index
              %t419 = arith.addi %t412, %t418 : index
              %t420 = memref.load %m3[%t419] : memref<16xf32>
              scf.yield %t420 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t421 = vector.insert %t416, %t411 [5] : f32 into vector<8xf32>
            %t422 = arith.addi %c0, %c0 : index
            %t423 = arith.cmpf oge, %t361, %c23 : f32
            %t424 = arith.cmpf olt, %t361, %c21 : f32
            %t425 = arith.andi %t423, %t424 : i1
            %t426 = scf.if %t425 -> (f32) {
              %t427 = arith.fptosi %t361 : f32 to i64
              %t428 = arith.index_cast %t427 : i64 to index
              %t429 = arith.addi %t422, %t428 : index
              %t430 = memref.load %m3[%t429] : memref<16xf32>
              scf.yield %t430 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t431 = vector.insert %t426, %t421 [6] : f32 into vector<8xf32>
            %t432 = arith.addi %c0, %c0 : index
            %t433 = arith.cmpf oge, %t362, %c23 : f32
            %t434 = arith.cmpf olt, %t362, %c21 : f32
            %t435 = arith.andi %t433, %t434 : i1
            %t436 = scf.if %t435 -> (f32) {
              %t437 = arith.fptosi %t362 : f32 to i64
              %t438 = arith.index_cast %t437 : i64 to index
              %t439 = arith.addi %t432, %t438 : index
              %t440 = memref.load %m3[%t439] : memref<16xf32>
              scf.yield %t440 : f32
            } else {
              scf.yield %c23 : f32
            }
            %t441 = vector.insert %t436, %t431 [7] : f32 into vector<8xf32>
            scf.yield %t441 : vector<8xf32>
          }
          scf.yield %t349 : vector<8xf32>
        }
        %t442 = arith.cmpf ogt, %c232, %t15 : vector<8xf32>
        %t443 = arith.select %t442, %c227, %c20 : vector<8xi1>, vector<8xf32>
        %t444 = arith.cmpf une, %t443, %c20 : vector<8xf32>
        %t445 = arith.select %t444, %t348, %t339 : vector<8xi1>, vector<8xf32>
        %t446 = arith.addi %c0, %j10 : index
        vector.store %t445, %m4[%t446] : memref<64xf32>, vector<8xf32>
      }
      scf.for %j447 = %t9 to %t4 step %c1 {
        %t448 = arith.index_cast %j447 : index to i64
        %t449 = arith.sitofp %t448 : i64 to f32
        %t451 = arith.subf %t449, %c450 : f32
        %t453 = arith.cmpf oge, %t451, %c23 : f32
        %t454 = arith.cmpf olt, %t451, %c21 : f32
        %t455 = arith.andi %t453, %t454 : i1
        %t452 = scf.if %t455 -> (f32) {
          %t456 = arith.fptosi %t451 : f32 to i64
          %t457 = arith.index_cast %t456 : i64 to index
          %t458 = arith.addi %c0, %t457 : index
          %t459 = memref.load %m0[%t458] : memref<16xf32>
          scf.yield %t459 : f32
        } else {
          scf.yield %c23 : f32
        }
        %t461 = arith.subf %t449, %c460 : f32
        %t463 = arith.cmpf oge, %t461, %c23 : f32
        %t464 = arith.cmpf olt, %t461, %c21 : f32
        %t465 = arith.andi %t463, %t464 : i1
        %t462 = scf.if %t465 -> (f32) {
          %t466 = arith.fptosi %t461 : f32 to i64
          %t467 = arith.index_cast %t466 : i64 to index
          %t468 = arith.addi %c0, %t467 : index
          %t469 = memref.load %m1[%t468] : memref<16xf32>
          scf.yield %t469 : f32
        } else {
          scf.yield %c23 : f32
        }
        %t471 = arith.cmpf ogt, %c450, %t449 : f32
        %t472 = arith.select %t471, %c470, %c23 : f32
        %t473 = arith.cmpf une, %t472, %c23 : f32
        %t474 = arith.select %t473, %t462, %t452 : f32
        %t475 = arith.subf %t449, %c21 : f32
        %t477 = arith.cmpf oge, %t475, %c23 : f32
        %t478 = arith.cmpf olt, %t475, %c21 : f32
        %t479 = arith.andi %t477, %t478 : i1
        %t476 = scf.if %t479 -> (f32) {
          %t480 = arith.fptosi %t475 : f32 to i64
          %t481 = arith.index_cast %t480 : i64 to index
          %t482 = arith.addi %c0, %t481 : index
          %t483 = memref.load %m2[%t482] : memref<16xf32>
          scf.yield %t483 : f32
        } else {
          scf.yield %c23 : f32
        }
        %t484 = arith.cmpf ogt, %c460, %t449 : f32
        %t485 = arith.select %t484, %c470, %c23 : f32
        %t486 = arith.cmpf une, %t485, %c23 : f32
        %t487 = arith.select %t486, %t476, %t474 : f32
        %t489 = arith.cmpf oge, %t449, %c23 : f32
        %t490 = arith.cmpf olt, %t449, %c21 : f32
        %t491 = arith.andi %t489, %t490 : i1
        %t488 = scf.if %t491 -> (f32) {
          %t492 = arith.fptosi %t449 : f32 to i64
          %t493 = arith.index_cast %t492 : i64 to index
          %t494 = arith.addi %c0, %t493 : index
          %t495 = memref.load %m3[%t494] : memref<16xf32>
          scf.yield %t495 : f32
        } else {
          scf.yield %c23 : f32
        }
        %t496 = arith.cmpf ogt, %c21, %t449 : f32
        %t497 = arith.select %t496, %c470, %c23 : f32
        %t498 = arith.cmpf une, %t497, %c23 : f32
        %t499 = arith.select %t498, %t488, %t487 : f32
        %t500 = arith.addi %c0, %j447 : index
        memref.store %t499, %m4[%t500] : memref<64xf32>
      }
    }
    return
  }
}
