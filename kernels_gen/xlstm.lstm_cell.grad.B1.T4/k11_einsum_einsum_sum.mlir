// kernel k11_einsum_einsum_sum: fuses %22 einsum, %23 einsum, %24 sum
// kernel k11_einsum_einsum_sum: domain [64, 1, 4, 8] -> loops [64 par, 4 red, 8], f32, 8 lanes, reduced block in registers
// nest 1: domain [64, 1, 4, 16] -> loops [64 par, 4 red, 16], f32, 8 lanes, reduced block in registers
// nest 2: domain [1, 4, 64] -> loops [1, 4 red, 64 par], f32, 8 lanes
// ABI: void k11_einsum_einsum_sum(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 0, 0, 2 of the nests in order
module {
  func.func @k11_einsum_einsum_sum(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %pp1 = llvm.getelementptr %bufs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p1 = llvm.load %pp1 : !llvm.ptr -> !llvm.ptr
    %n1 = llvm.mlir.constant(32 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<32xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(512 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<512xf32>
    %pp3 = llvm.getelementptr %bufs[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p3 = llvm.load %pp3 : !llvm.ptr -> !llvm.ptr
    %n3 = llvm.mlir.constant(64 : i64) : i64
    %d3_0 = llvm.insertvalue %p3, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_1 = llvm.insertvalue %p3, %d3_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_2 = llvm.insertvalue %z, %d3_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_3 = llvm.insertvalue %n3, %d3_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d3_4 = llvm.insertvalue %one, %d3_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m3 = builtin.unrealized_conversion_cast %d3_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %pp4 = llvm.getelementptr %bufs[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p4 = llvm.load %pp4 : !llvm.ptr -> !llvm.ptr
    %n4 = llvm.mlir.constant(1024 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<1024xf32>
    %pp5 = llvm.getelementptr %bufs[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p5 = llvm.load %pp5 : !llvm.ptr -> !llvm.ptr
    %n5 = llvm.mlir.constant(64 : i64) : i64
    %d5_0 = llvm.insertvalue %p5, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_1 = llvm.insertvalue %p5, %d5_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_2 = llvm.insertvalue %z, %d5_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_3 = llvm.insertvalue %n5, %d5_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_4 = llvm.insertvalue %one, %d5_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m5 = builtin.unrealized_conversion_cast %d5_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %c3 = arith.constant 1 : index
    %c5 = arith.constant 8 : index
    %c6 = arith.constant 0 : index
    %c7 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c11 = arith.constant 4 : index
    %c12 = arith.constant 64 : index
    %c29 = arith.constant 16 : index
    %c49 = arith.constant 0.00000000e+00 : f32
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    scf.for %i2 = %t0 to %t1 step %c3 {
      scf.for %j4 = %c6 to %c5 step %c5 {
        %r8 = scf.for %i10 = %c6 to %c11 step %c3 iter_args(%acc9 = %c7) -> (vector<8xf32>) {
          %t13 = arith.muli %i10, %c12 : index
          %t14 = arith.addi %i2, %t13 : index
          %t15 = memref.load %m0[%t14] : memref<256xf32>
          %t16 = vector.broadcast %t15 : f32 to vector<8xf32>
          %t17 = arith.muli %i10, %c5 : index
          %t18 = arith.muli %i2, %c5 : index
          %t19 = arith.addi %t17, %j4 : index
          %t20 = vector.load %m1[%t19] : memref<32xf32>, vector<8xf32>
          %t21 = arith.mulf %t16, %t20 : vector<8xf32>
          %t22 = math.fma %t16, %t20, %acc9 : vector<8xf32>
          scf.yield %t22 : vector<8xf32>
        }
        %t23 = arith.muli %i2, %c5 : index
        %t24 = arith.addi %t23, %j4 : index
        vector.store %r8, %m2[%t24] : memref<512xf32>, vector<8xf32>
      }
    }
    %t25 = arith.index_cast %lo : i64 to index
    %t26 = arith.index_cast %hi : i64 to index
    scf.for %i27 = %t25 to %t26 step %c3 {
      scf.for %j28 = %c6 to %c29 step %c5 {
        %r30 = scf.for %i32 = %c6 to %c11 step %c3 iter_args(%acc31 = %c7) -> (vector<8xf32>) {
          %t33 = arith.muli %i32, %c12 : index
          %t34 = arith.addi %i27, %t33 : index
          %t35 = memref.load %m0[%t34] : memref<256xf32>
          %t36 = vector.broadcast %t35 : f32 to vector<8xf32>
          %t37 = arith.muli %i32, %c29 : index
          %t38 = arith.muli %i27, %c29 : index
          %t39 = arith.addi %t37, %j28 : index
          %t40 = vector.load %m3[%t39] : memref<64xf32>, vector<8xf32>
          %t41 = arith.mulf %t36, %t40 : vector<8xf32>
          %t42 = math.fma %t36, %t40, %acc31 : vector<8xf32>
          scf.yield %t42 : vector<8xf32>
        }
        %t43 = arith.muli %i27, %c29 : index
        %t44 = arith.addi %t43, %j28 : index
        vector.store %r30, %m4[%t44] : memref<1024xf32>, vector<8xf32>
      }
    }
    scf.for %i45 = %c6 to %c3 step %c3 {
      %t46 = arith.index_cast %lo : i64 to index
      %t47 = arith.index_cast %hi : i64 to index
      scf.for %i48 = %t46 to %t47 step %c3 {
        memref.store %c49, %m5[%i48] : memref<64xf32>
      }
    }
    scf.for %i50 = %c6 to %c3 step %c3 {
      scf.for %i51 = %c6 to %c11 step %c3 {
        %t52 = arith.muli %i51, %c12 : index
        %t53 = arith.index_cast %lo : i64 to index
        %t54 = arith.index_cast %hi : i64 to index
        %t55 = arith.subi %t54, %t53 : index
        %t56 = arith.divui %t55, %c5 : index
        %t57 = arith.muli %t56, %c5 : index
        %t58 = arith.addi %t53, %t57 : index
        scf.for %j59 = %t53 to %t58 step %c5 {
          %t60 = arith.addi %t52, %j59 : index
          %t61 = vector.load %m0[%t60] : memref<256xf32>, vector<8xf32>
          %t62 = arith.addi %c6, %j59 : index
          %t63 = vector.load %m5[%t62] : memref<64xf32>, vector<8xf32>
          %t64 = arith.addf %t63, %t61 : vector<8xf32>
          vector.store %t64, %m5[%t62] : memref<64xf32>, vector<8xf32>
        }
        scf.for %j65 = %t58 to %t54 step %c3 {
          %t66 = arith.addi %t52, %j65 : index
          %t67 = memref.load %m0[%t66] : memref<256xf32>
          %t68 = arith.addi %c6, %j65 : index
          %t69 = memref.load %m5[%t68] : memref<64xf32>
          %t70 = arith.addf %t69, %t67 : f32
          memref.store %t70, %m5[%t68] : memref<64xf32>
        }
      }
    }
    return
  }
}
