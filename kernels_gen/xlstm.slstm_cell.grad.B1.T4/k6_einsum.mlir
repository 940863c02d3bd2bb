// kernel k6_einsum: fuses %88 einsum (body of scan %23)
// kernel k6_einsum: domain [1, 2, 4, 8, 8] -> loops [2 par, 4 red, 8 red, 8], f32, 8 lanes, reduced block in registers
// ABI: void k6_einsum(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 1
module {
  func.func @k6_einsum(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(64 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %pp1 = llvm.getelementptr %bufs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p1 = llvm.load %pp1 : !llvm.ptr -> !llvm.ptr
    %n1 = llvm.mlir.constant(512 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<512xf32>
    %pp2 = llvm.getelementptr %bufs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p2 = llvm.load %pp2 : !llvm.ptr -> !llvm.ptr
    %n2 = llvm.mlir.constant(16 : i64) : i64
    %d2_0 = llvm.insertvalue %p2, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_1 = llvm.insertvalue %p2, %d2_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_2 = llvm.insertvalue %z, %d2_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_3 = llvm.insertvalue %n2, %d2_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d2_4 = llvm.insertvalue %one, %d2_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m2 = builtin.unrealized_conversion_cast %d2_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %c3 = arith.constant 1 : index
    %c5 = arith.constant 8 : index
    %c6 = arith.constant 0 : index
    %c7 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c11 = arith.constant 4 : index
    %c16 = arith.constant 16 : index
    %c22 = arith.constant 256 : index
    %c24 = arith.constant 64 : index
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    scf.for %i2 = %t0 to %t1 step %c3 {
      scf.for %j4 = %c6 to %c5 step %c5 {
        %r8 = scf.for %i10 = %c6 to %c11 step %c3 iter_args(%acc9 = %c7) -> (vector<8xf32>) {
          %r12 = scf.for %i14 = %c6 to %c5 step %c3 iter_args(%acc13 = %acc9) -> (vector<8xf32>) {
            %t15 = arith.muli %i2, %c5 : index
            %t17 = arith.muli %i10, %c16 : index
            %t18 = arith.addi %t15, %t17 : index
            %t19 = arith.addi %t18, %i14 : index
            %t20 = memref.load %m0[%t19] : memref<64xf32>
            %t21 = vector.broadcast %t20 : f32 to vector<8xf32>
            %t23 = arith.muli %i2, %c22 : index
            %t25 = arith.muli %i10, %c24 : index
            %t26 = arith.addi %t23, %t25 : index
            %t27 = arith.muli %i14, %c5 : index
            %t28 = arith.addi %t26, %t27 : index
            %t29 = arith.muli %i2, %c5 : index
            %t30 = arith.addi %t28, %j4 : index
            %t31 = vector.load %m1[%t30] : memref<512xf32>, vector<8xf32>
            %t32 = arith.mulf %t21, %t31 : vector<8xf32>
            %t33 = math.fma %t21, %t31, %acc13 : vector<8xf32>
            scf.yield %t33 : vector<8xf32>
          }
          scf.yield %r12 : vector<8xf32>
        }
        %t34 = arith.muli %i2, %c5 : index
        %t35 = arith.addi %t34, %j4 : index
        vector.store %r8, %m2[%t35] : memref<16xf32>, vector<8xf32>
      }
    }
    return
  }
}
