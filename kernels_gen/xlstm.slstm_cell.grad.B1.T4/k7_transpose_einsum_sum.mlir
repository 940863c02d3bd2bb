// kernel k7_transpose_einsum_sum: fuses %29 transpose, %30 einsum, %32 sum
// kernel k7_transpose_einsum_sum: domain [1, 4, 2, 4, 8] -> loops [4, 2, 4, 8], f32, 8 lanes
// nest 1: domain [2, 4, 8, 1, 4, 8] -> loops [2, 32, 4 red, 8], f32, 8 lanes, reduced block in registers
// nest 2: domain [1, 4, 4, 2, 8] -> loops [1, 4 red, 64], f32, 8 lanes, reduced block in registers
// ABI: void k7_transpose_einsum_sum(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension -1
module {
  func.func @k7_transpose_einsum_sum(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(256 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<256xf32>
    %m1 = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(64 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %pp3 = llvm.getelementptr %bufs[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p3 = llvm.load %pp3 : !llvm.ptr -> !llvm.ptr
    %n3 = llvm.mlir.constant(512 : i64) : i64
    %d3_0 = llvm.insertvalue %p3, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_1 = llvm.insertvalue %p3, %d3_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_2 = llvm.insertvalue %z, %d3_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_3 = llvm.insertvalue %n3, %d3_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_4 = llvm.insertvalue %one, %d3_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m3 = builtin.unrealized_conversion_cast %d3_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<512xf32>
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
    %c1 = arith.constant 4 : index
    %c3 = arith.constant 1 : index
    %c4 = arith.constant 2 : index
    %c7 = arith.constant 64 : index
    %c9 = arith.constant 8 : index
    %c12 = arith.constant 16 : index
    %c16 = arith.constant 32 : index
    %c28 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c41 = arith.constant 256 : index
    scf.for %i2 = %c0 to %c1 step %c3 {
      scf.for %i5 = %c0 to %c4 step %c3 {
        scf.for %i6 = %c0 to %c1 step %c3 {
          %t8 = arith.muli %i2, %c7 : index
          %t10 = arith.muli %i5, %c9 : index
          %t11 = arith.addi %t8, %t10 : index
          %t13 = arith.muli %i6, %c12 : index
          %t14 = arith.addi %t11, %t13 : index
          %t15 = arith.muli %i2, %c7 : index
          %t17 = arith.muli %i5, %c16 : index
          %t18 = arith.addi %t15, %t17 : index
          %t19 = arith.muli %i6, %c9 : index
          %t20 = arith.addi %t18, %t19 : index
          scf.for %j21 = %c0 to %c9 step %c9 {
            %t22 = arith.addi %t14, %j21 : index
            %t23 = vector.load %m0[%t22] : memref<256xf32>, vector<8xf32>
            %t24 = arith.addi %t20, %j21 : index
            vector.store %t23, %m1[%t24] : memref<256xf32>, vector<8xf32>
          }
        }
      }
    }
    scf.for %i25 = %c0 to %c4 step %c3 {
      scf.for %i26 = %c0 to %c16 step %c3 {
        scf.for %j27 = %c0 to %c9 step %c9 {
          %r29 = scf.for %i31 = %c0 to %c1 step %c3 iter_args(%acc30 = %c28) -> (vector<8xf32>) {
            %t32 = arith.muli %i25, %c16 : index
            %t33 = arith.addi %t32, %i26 : index
            %t34 = arith.muli %i31, %c7 : index
            %t35 = arith.addi %t33, %t34 : index
            %t36 = memref.load %m1[%t35] : memref<256xf32>
            %t37 = vector.broadcast %t36 : f32 to vector<8xf32>
            %t38 = arith.muli %i25, %c9 : index
            %t39 = arith.muli %i31, %c12 : index
            %t40 = arith.addi %t38, %t39 : index
            %t42 = arith.muli %i25, %c41 : index
            %t43 = arith.muli %i26, %c9 : index
            %t44 = arith.addi %t42, %t43 : index
            %t45 = arith.addi %t40, %j27 : index
            %t46 = vector.load %m2[%t45] : memref<64xf32>, vector<8xf32>
            %t47 = arith.mulf %t37, %t46 : vector<8xf32>
            %t48 = math.fma %t37, %t46, %acc30 : vector<8xf32>
            scf.yield %t48 : vector<8xf32>
          }
          %t49 = arith.muli %i25, %c41 : index
          %t50 = arith.muli %i26, %c9 : index
          %t51 = arith.addi %t49, %t50 : index
          %t52 = arith.addi %t51, %j27 : index
          vector.store %r29, %m3[%t52] : memref<512xf32>, vector<8xf32>
        }
      }
    }
    scf.for %i53 = %c0 to %c3 step %c3 {
      scf.for %j54 = %c0 to %c7 step %c9 {
        %r55 = scf.for %i57 = %c0 to %c1 step %c3 iter_args(%acc56 = %c28) -> (vector<8xf32>) {
          %t58 = arith.muli %i57, %c7 : index
          %t59 = arith.addi %t58, %j54 : index
          %t60 = vector.load %m0[%t59] : memref<256xf32>, vector<8xf32>
          %t61 = arith.addf %acc56, %t60 : vector<8xf32>
          scf.yield %t61 : vector<8xf32>
        }
        %t62 = arith.addi %c0, %j54 : index
        vector.store %r55, %m4[%t62] : memref<64xf32>, vector<8xf32>
      }
    }
    return
  }
}
