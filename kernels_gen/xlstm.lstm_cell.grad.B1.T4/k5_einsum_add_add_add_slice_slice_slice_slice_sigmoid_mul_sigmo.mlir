// kernel k5_einsum_add_add_add_slice_slice_slice_slice_sigmoid_mul_sigmo: fuses %6 einsum, %8 add, %10 add, %12 add, %13 slice, %14 slice, %15 slice, %16 slice, %17 sigmoid, %18 mul, %19 sigmoid, %20 tanh, %21 mul, %22 add, %23 sigmoid, %24 tanh, %28 add, %29 mul, %30 mul, %31 square, %33 sub, %34 mul, %35 add, %36 sub, %37 mul, %38 mul, %39 mul, %40 mul, %41 square, %42 sub, %43 mul, %44 sub, %45 mul, %46 mul, %47 mul, %48 mul, %49 sub, %50 mul, %51 mul, %52 concat, %53 einsum, %54 einsum (body of scan %17)
// kernel k5_einsum_add_add_add_slice_slice_slice_slice_sigmoid_mul_sigmo: domain [1, 64, 8] -> loops [64, 8 red], f32, 8 lanes
// nest 1: domain [1, 64] -> loops [64], f32, 8 lanes
// nest 2: domain [1, 16] -> loops [16], f32, 8 lanes
// nest 3: domain [1, 64] -> loops [1, 64], f32, 8 lanes
// nest 4: domain [64, 1, 16] -> loops [64 red, 16], f32, 8 lanes, reduced block in registers
// nest 5: domain [64, 1, 8] -> loops [64 red, 8], f32, 8 lanes, reduced block in registers
// ABI: void k5_einsum_add_add_add_slice_slice_slice_slice_sigmoid_mul_sigmo(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension -1
module {
  func.func @k5_einsum_add_add_add_slice_slice_slice_slice_sigmoid_mul_sigmo(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
    %z = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %dundef = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %pp0 = llvm.getelementptr %bufs[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p0 = llvm.load %pp0 : !llvm.ptr -> !llvm.ptr
    %n0 = llvm.mlir.constant(8 : i64) : i64
    %d0_0 = llvm.insertvalue %p0, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_1 = llvm.insertvalue %p0, %d0_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_2 = llvm.insertvalue %z, %d0_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_3 = llvm.insertvalue %n0, %d0_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d0_4 = llvm.insertvalue %one, %d0_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m0 = builtin.unrealized_conversion_cast %d0_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<8xf32>
    %pp1 = llvm.getelementptr %bufs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p1 = llvm.load %pp1 : !llvm.ptr -> !llvm.ptr
    %n1 = llvm.mlir.constant(512 : i64) : i64
    %d1_0 = llvm.insertvalue %p1, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_1 = llvm.insertvalue %p1, %d1_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_2 = llvm.insertvalue %z, %d1_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_3 = llvm.insertvalue %n1, %d1_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d1_4 = llvm.insertvalue %one, %d1_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m1 = builtin.unrealized_conversion_cast %d1_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<512xf32>
    %m2 = memref.alloca() {alignment = 64 : i64} : memref<64xf32>
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
    %n4 = llvm.mlir.constant(64 : i64) : i64
    %d4_0 = llvm.insertvalue %p4, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_1 = llvm.insertvalue %p4, %d4_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_2 = llvm.insertvalue %z, %d4_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_3 = llvm.insertvalue %n4, %d4_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d4_4 = llvm.insertvalue %one, %d4_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m4 = builtin.unrealized_conversion_cast %d4_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %pp5 = llvm.getelementptr %bufs[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p5 = llvm.load %pp5 : !llvm.ptr -> !llvm.ptr
    %n5 = llvm.mlir.constant(64 : i64) : i64
    %d5_0 = llvm.insertvalue %p5, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_1 = llvm.insertvalue %p5, %d5_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_2 = llvm.insertvalue %z, %d5_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_3 = llvm.insertvalue %n5, %d5_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d5_4 = llvm.insertvalue %one, %d5_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m5 = builtin.unrealized_conversion_cast %d5_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %m6 = memref.alloca() {alignment = 64 : i64} : memref<64xf32>
    %pp7 = llvm.getelementptr %bufs[7] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p7 = llvm.load %pp7 : !llvm.ptr -> !llvm.ptr
    %n7 = llvm.mlir.constant(16 : i64) : i64
    %d7_0 = llvm.insertvalue %p7, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_1 = llvm.insertvalue %p7, %d7_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_2 = llvm.insertvalue %z, %d7_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_3 = llvm.insertvalue %n7, %d7_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d7_4 = llvm.insertvalue %one, %d7_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m7 = builtin.unrealized_conversion_cast %d7_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp8 = llvm.getelementptr %bufs[8] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p8 = llvm.load %pp8 : !llvm.ptr -> !llvm.ptr
    %n8 = llvm.mlir.constant(16 : i64) : i64
    %d8_0 = llvm.insertvalue %p8, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_1 = llvm.insertvalue %p8, %d8_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_2 = llvm.insertvalue %z, %d8_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_3 = llvm.insertvalue %n8, %d8_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_4 = llvm.insertvalue %one, %d8_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m8 = builtin.unrealized_conversion_cast %d8_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp9 = llvm.getelementptr %bufs[9] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p9 = llvm.load %pp9 : !llvm.ptr -> !llvm.ptr
    %n9 = llvm.mlir.constant(16 : i64) : i64
    %d9_0 = llvm.insertvalue %p9, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_1 = llvm.insertvalue %p9, %d9_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_2 = llvm.insertvalue %z, %d9_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_3 = llvm.insertvalue %n9, %d9_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_4 = llvm.insertvalue %one, %d9_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m9 = builtin.unrealized_conversion_cast %d9_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp10 = llvm.getelementptr %bufs[10] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p10 = llvm.load %pp10 : !llvm.ptr -> !llvm.ptr
    %n10 = llvm.mlir.constant(16 : i64) : i64
    %d10_0 = llvm.insertvalue %p10, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d10_1 = llvm.insertvalue %p10, %d10_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d10_2 = llvm.insertvalue %z, %d10_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d10_3 = llvm.insertvalue %n10, %d10_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d10_4 = llvm.insertvalue %one, %d10_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m10 = builtin.unrealized_conversion_cast %d10_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %m11 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %m12 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %m13 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %pp14 = llvm.getelementptr %bufs[14] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p14 = llvm.load %pp14 : !llvm.ptr -> !llvm.ptr
    %n14 = llvm.mlir.constant(16 : i64) : i64
    %d14_0 = llvm.insertvalue %p14, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_1 = llvm.insertvalue %p14, %d14_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_2 = llvm.insertvalue %z, %d14_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_3 = llvm.insertvalue %n14, %d14_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_4 = llvm.insertvalue %one, %d14_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m14 = builtin.unrealized_conversion_cast %d14_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %m15 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %pp16 = llvm.getelementptr %bufs[16] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p16 = llvm.load %pp16 : !llvm.ptr -> !llvm.ptr
    %n16 = llvm.mlir.constant(64 : i64) : i64
    %d16_0 = llvm.insertvalue %p16, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_1 = llvm.insertvalue %p16, %d16_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_2 = llvm.insertvalue %z, %d16_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_3 = llvm.insertvalue %n16, %d16_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_4 = llvm.insertvalue %one, %d16_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m16 = builtin.unrealized_conversion_cast %d16_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<64xf32>
    %pp17 = llvm.getelementptr %bufs[17] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p17 = llvm.load %pp17 : !llvm.ptr -> !llvm.ptr
    %n17 = llvm.mlir.constant(1024 : i64) : i64
    %d17_0 = llvm.insertvalue %p17, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_1 = llvm.insertvalue %p17, %d17_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_2 = llvm.insertvalue %z, %d17_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_3 = llvm.insertvalue %n17, %d17_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_4 = llvm.insertvalue %one, %d17_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m17 = builtin.unrealized_conversion_cast %d17_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<1024xf32>
    %pp18 = llvm.getelementptr %bufs[18] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p18 = llvm.load %pp18 : !llvm.ptr -> !llvm.ptr
    %n18 = llvm.mlir.constant(16 : i64) : i64
    %d18_0 = llvm.insertvalue %p18, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_1 = llvm.insertvalue %p18, %d18_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_2 = llvm.insertvalue %z, %d18_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_3 = llvm.insertvalue %n18, %d18_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_4 = llvm.insertvalue %one, %d18_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m18 = builtin.unrealized_conversion_cast %d18_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp19 = llvm.getelementptr %bufs[19] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p19 = llvm.load %pp19 : !llvm.ptr -> !llvm.ptr
    %n19 = llvm.mlir.constant(8 : i64) : i64
    %d19_0 = llvm.insertvalue %p19, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d19_1 = llvm.insertvalue %p19, %d19_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d19_2 = llvm.insertvalue %z, %d19_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d19_3 = llvm.insertvalue %n19, %d19_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d19_4 = llvm.insertvalue %one, %d19_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m19 = builtin.unrealized_conversion_cast %d19_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<8xf32>
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 8 : index
    %c3 = arith.constant 64 : index
    %c4 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c8 = arith.constant 1 : index
    %c11 = arith.constant 2 : index
    %c14 = arith.constant 3 : index
    %c17 = arith.constant 4 : index
    %c20 = arith.constant 5 : index
    %c23 = arith.constant 6 : index
    %c26 = arith.constant 7 : index
    %c123 = arith.constant 16 : index
    %c124 = arith.constant 32 : index
    %c125 = arith.constant 48 : index
    %c130 = arith.constant dense<8.88000031e+01> : vector<8xf32>
    %c133 = arith.constant dense<-8.73300018e+01> : vector<8xf32>
    %c136 = arith.constant dense<1.25829120e+07> : vector<8xf32>
    %c137 = arith.constant dense<1.44269502e+00> : vector<8xf32>
    %c140 = arith.constant dense<1262485504> : vector<8xi32>
    %c143 = arith.constant dense<-6.93147182e-01> : vector<8xf32>
    %c145 = arith.constant dense<1.90465421e-09> : vector<8xf32>
    %c148 = arith.constant dense<1.39261759e-03> : vector<8xf32>
    %c149 = arith.constant dense<8.36317334e-03> : vector<8xf32>
    %c151 = arith.constant dense<4.16665561e-02> : vector<8xf32>
    %c153 = arith.constant dense<1.66665778e-01> : vector<8xf32>
    %c155 = arith.constant dense<5.00000000e-01> : vector<8xf32>
    %c158 = arith.constant dense<1.00000000e+00> : vector<8xf32>
    %c160 = arith.constant dense<1> : vector<8xi32>
    %c163 = arith.constant dense<23> : vector<8xi32>
    %c164 = arith.constant dense<127> : vector<8xi32>
    %c220 = arith.constant dense<-5.20352682e-04> : vector<8xf32>
    %c221 = arith.constant dense<2.75911926e-03> : vector<8xf32>
    %c223 = arith.constant dense<-8.45087226e-03> : vector<8xf32>
    %c225 = arith.constant dense<2.17594095e-02> : vector<8xf32>
    %c227 = arith.constant dense<-5.39538898e-02> : vector<8xf32>
    %c229 = arith.constant dense<1.33332625e-01> : vector<8xf32>
    %c231 = arith.constant dense<-3.33333313e-01> : vector<8xf32>
    %c235 = arith.constant dense<9.00000000e+00> : vector<8xf32>
    %c238 = arith.constant dense<2.00000000e+00> : vector<8xf32>
    %c273 = arith.constant dense<8.99999976e-01> : vector<8xf32>
    %c402 = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : vector<8xf32>
    %c404 = arith.constant dense<4.80000000e+01> : vector<8xf32>
    %c415 = arith.constant 0.00000000e+00 : f32
    %c417 = arith.constant 1.60000000e+01 : f32
    %c496 = arith.constant dense<3.20000000e+01> : vector<8xf32>
    %c590 = arith.constant dense<1.60000000e+01> : vector<8xf32>
    scf.for %j1 = %c0 to %c3 step %c2 {
      %t5 = arith.addi %c0, %j1 : index
      vector.store %c4, %m2[%t5] : memref<64xf32>, vector<8xf32>
    }
    scf.for %i6 = %c0 to %c3 step %c2 {
      %t7 = arith.muli %i6, %c2 : index
      %t9 = arith.addi %i6, %c8 : index
      %t10 = arith.muli %t9, %c2 : index
      %t12 = arith.addi %i6, %c11 : index
      %t13 = arith.muli %t12, %c2 : index
      %t15 = arith.addi %i6, %c14 : index
      %t16 = arith.muli %t15, %c2 : index
      %t18 = arith.addi %i6, %c17 : index
      %t19 = arith.muli %t18, %c2 : index
      %t21 = arith.addi %i6, %c20 : index
      %t22 = arith.muli %t21, %c2 : index
      %t24 = arith.addi %i6, %c23 : index
      %t25 = arith.muli %t24, %c2 : index
      %t27 = arith.addi %i6, %c26 : index
      %t28 = arith.muli %t27, %c2 : index
      %r30:8 = scf.for %j29 = %c0 to %c2 step %c2 iter_args(%acc31 = %c4, %acc32 = %c4, %acc33 = %c4, %acc34 = %c4, %acc35 = %c4, %acc36 = %c4, %acc37 = %c4, %acc38 = %c4) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
        %t39 = arith.addi %c0, %j29 : index
        %t40 = vector.load %m0[%t39] : memref<8xf32>, vector<8xf32>
        %t41 = arith.addi %t7, %j29 : index
        %t42 = vector.load %m1[%t41] : memref<512xf32>, vector<8xf32>
        %t43 = arith.mulf %t40, %t42 : vector<8xf32>
        %t44 = math.fma %t40, %t42, %acc31 : vector<8xf32>
        %t45 = arith.addi %c0, %j29 : index
        %t46 = vector.load %m0[%t45] : memref<8xf32>, vector<8xf32>
        %t47 = arith.addi %t10, %j29 : index
        %t48 = vector.load %m1[%t47] : memref<512xf32>, vector<8xf32>
        %t49 = arith.mulf %t46, %t48 : vector<8xf32>
        %t50 = math.fma %t46, %t48, %acc32 : vector<8xf32>
        %t51 = arith.addi %c0, %j29 : index
        %t52 = vector.load %m0[%t51] : memref<8xf32>, vector<8xf32>
        %t53 = arith.addi %t13, %j29 : index
        %t54 = vector.load %m1[%t53] : memref<512xf32>, vector<8xf32>
        %t55 = arith.mulf %t52, %t54 : vector<8xf32>
        %t56 = math.fma %t52, %t54, %acc33 : vector<8xf32>
        %t57 = arith.addi %c0, %j29 : index
        %t58 = vector.load %m0[%t57] : memref<8xf32>, vector<8xf32>
        %t59 = arith.addi %t16, %j29 : index
        %t60 = vector.load %m1[%t59] : memref<512xf32>, vector<8xf32>
        %t61 = arith.mulf %t58, %t60 : vector<8xf32>
        %t62 = math.fma %t58, %t60, %acc34 : vector<8xf32>
        %t63 = arith.addi %c0, %j29 : index
        %t64 = vector.load %m0[%t63] : memref<8xf32>, vector<8xf32>
        %t65 = arith.addi %t19, %j29 : index
        %t66 = vector.load %m1[%t65] : memref<512xf32>, vector<8xf32>
        %t67 = arith.mulf %t64, %t66 : vector<8xf32>
        %t68 = math.fma %t64, %t66, %acc35 : vector<8xf32>
        %t69 = arith.addi %c0, %j29 : index
        %t70 = vector.load %m0[%t69] : memref<8xf32>, vector<8xf32>
        %t71 = arith.addi %t22, %j29 : index
        %t72 = vector.load %m1[%t71] : memref<512xf32>, vector<8xf32>
        %t73 = arith.mulf %t70, %t72 : vector<8xf32>
        %t74 = math.fma %t70, %t72, %acc36 : vector<8xf32>
        %t75 = arith.addi %c0, %j29 : index
        %t76 = vector.load %m0[%t75] : memref<8xf32>, vector<8xf32>
        %t77 = arith.addi %t25, %j29 : index
        %t78 = vector.load %m1[%t77] : memref<512xf32>, vector<8xf32>
        %t79 = arith.mulf %t76, %t78 : vector<8xf32>
        %t80 = math.fma %t76, %t78, %acc37 : vector<8xf32>
        %t81 = arith.addi %c0, %j29 : index
        %t82 = vector.load %m0[%t81] : memref<8xf32>, vector<8xf32>
        %t83 = arith.addi %t28, %j29 : index
        %t84 = vector.load %m1[%t83] : memref<512xf32>, vector<8xf32>
        %t85 = arith.mulf %t82, %t84 : vector<8xf32>
        %t86 = math.fma %t82, %t84, %acc38 : vector<8xf32>
        scf.yield %t44, %t50, %t56, %t62, %t68, %t74, %t80, %t86 : vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>
      }
      %t87 = vector.shuffle %r30#0, %r30#1 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
      %t88 = vector.shuffle %r30#0, %r30#1 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
      %t89 = arith.addf %t87, %t88 : vector<8xf32>
      %t90 = vector.shuffle %r30#2, %r30#3 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
      %t91 = vector.shuffle %r30#2, %r30#3 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
      %t92 = arith.addf %t90, %t91 : vector<8xf32>
      %t93 = vector.shuffle %r30#4, %r30#5 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
      %t94 = vector.shuffle %r30#4, %r30#5 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
      %t95 = arith.addf %t93, %t94 : vector<8xf32>
      %t96 = vector.shuffle %r30#6, %r30#7 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
      %t97 = vector.shuffle %r30#6, %r30#7 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
      %t98 = arith.addf %t96, %t97 : vector<8xf32>
      %t99 = vector.shuffle %t89, %t92 [0, 1, 8, 9, 4, 5, 12, 13] : vector<8xf32>, vector<8xf32>
      %t100 = vector.shuffle %t89, %t92 [2, 3, 10, 11, 6, 7, 14, 15] : vector<8xf32>, vector<8xf32>
      %t101 = arith.addf %t99, %t100 : vector<8xf32>
      %t102 = vector.shuffle %t95, %t98 [0, 1, 8, 9, 4, 5, 12, 13] : vector<8xf32>, vector<8xf32>
      %t103 = vector.shuffle %t95, %t98 [2, 3, 10, 11, 6, 7, 14, 15] : vector<8xf32>, vector<8xf32>
      %t104 = arith.addf %t102, %t103 : vector<8xf32>
      %t105 = vector.shuffle %t101, %t104 [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xf32>, vector<8xf32>
      %t106 = vector.shuffle %t101, %t104 [4, 5, 6, 7, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
      %t107 = arith.addf %t105, %t106 : vector<8xf32>
      %t108 = vector.load %m2[%i6] : memref<64xf32>, vector<8xf32>
      %t109 = arith.addf %t108, %t107 : vector<8xf32>
      vector.store %t109, %m2[%i6] : memref<64xf32>, vector<8xf32>
    }
    scf.for %j110 = %c0 to %c3 step %c2 {
      %t111 = arith.addi %c0, %j110 : index
      %t112 = vector.load %m2[%t111] : memref<64xf32>, vector<8xf32>
      %t113 = arith.addi %c0, %j110 : index
      %t114 = vector.load %m3[%t113] : memref<64xf32>, vector<8xf32>
      %t115 = arith.addf %t112, %t114 : vector<8xf32>
      %t116 = arith.addi %c0, %j110 : index
      %t117 = vector.load %m4[%t116] : memref<64xf32>, vector<8xf32>
      %t118 = arith.addf %t115, %t117 : vector<8xf32>
      %t119 = arith.addi %c0, %j110 : index
      %t120 = vector.load %m5[%t119] : memref<64xf32>, vector<8xf32>
      %t121 = arith.addf %t118, %t120 : vector<8xf32>
      %t122 = arith.addi %c0, %j110 : index
      vector.store %t121, %m6[%t122] : memref<64xf32>, vector<8xf32>
    }
    scf.for %j126 = %c0 to %c123 step %c2 {
      %t127 = arith.addi %c123, %j126 : index
      %t128 = vector.load %m6[%t127] : memref<64xf32>, vector<8xf32>
      %t129 = arith.negf %t128 : vector<8xf32>
      %t131 = arith.cmpf olt, %t129, %c130 : vector<8xf32>
      %t132 = arith.select %t131, %t129, %c130 : vector<8xi1>, vector<8xf32>
      %t134 = arith.cmpf olt, %t132, %c133 : vector<8xf32>
      %t135 = arith.select %t134, %c133, %t132 : vector<8xi1>, vector<8xf32>
      %t138 = math.fma %t135, %c137, %c136 : vector<8xf32>
      %t139 = arith.subf %t138, %c136 : vector<8xf32>
      %t141 = arith.bitcast %t138 : vector<8xf32> to vector<8xi32>
      %t142 = arith.subi %t141, %c140 : vector<8xi32>
      %t144 = math.fma %t139, %c143, %t135 : vector<8xf32>
      %t146 = math.fma %t139, %c145, %t144 : vector<8xf32>
      %t147 = arith.mulf %t146, %t146 : vector<8xf32>
      %t150 = math.fma %c148, %t146, %c149 : vector<8xf32>
      %t152 = math.fma %t150, %t146, %c151 : vector<8xf32>
      %t154 = math.fma %t152, %t146, %c153 : vector<8xf32>
      %t156 = math.fma %t154, %t146, %c155 : vector<8xf32>
      %t157 = math.fma %t147, %t156, %t146 : vector<8xf32>
      %t159 = arith.addf %c158, %t157 : vector<8xf32>
      %t161 = arith.shrsi %t142, %c160 : vector<8xi32>
      %t162 = arith.subi %t142, %t161 : vector<8xi32>
      %t165 = arith.addi %t161, %c164 : vector<8xi32>
      %t166 = arith.shli %t165, %c163 : vector<8xi32>
      %t167 = arith.bitcast %t166 : vector<8xi32> to vector<8xf32>
      %t168 = arith.addi %t162, %c164 : vector<8xi32>
      %t169 = arith.shli %t168, %c163 : vector<8xi32>
      %t170 = arith.bitcast %t169 : vector<8xi32> to vector<8xf32>
      %t171 = arith.mulf %t159, %t167 : vector<8xf32>
      %t172 = arith.mulf %t171, %t170 : vector<8xf32>
      %t173 = arith.select %t134, %c4, %t172 : vector<8xi1>, vector<8xf32>
      %t174 = arith.cmpf uno, %t129, %t129 : vector<8xf32>
      %t175 = arith.select %t174, %t129, %t173 : vector<8xi1>, vector<8xf32>
      %t176 = arith.addf %c158, %t175 : vector<8xf32>
      %t177 = arith.divf %c158, %t176 : vector<8xf32>
      %t178 = arith.addi %c0, %j126 : index
      %t179 = vector.load %m7[%t178] : memref<16xf32>, vector<8xf32>
      %t180 = arith.mulf %t177, %t179 : vector<8xf32>
      %t181 = arith.addi %c0, %j126 : index
      %t182 = vector.load %m6[%t181] : memref<64xf32>, vector<8xf32>
      %t183 = arith.negf %t182 : vector<8xf32>
      %t184 = arith.cmpf olt, %t183, %c130 : vector<8xf32>
      %t185 = arith.select %t184, %t183, %c130 : vector<8xi1>, vector<8xf32>
      %t186 = arith.cmpf olt, %t185, %c133 : vector<8xf32>
      %t187 = arith.select %t186, %c133, %t185 : vector<8xi1>, vector<8xf32>
      %t188 = math.fma %t187, %c137, %c136 : vector<8xf32>
      %t189 = arith.subf %t188, %c136 : vector<8xf32>
      %t190 = arith.bitcast %t188 : vector<8xf32> to vector<8xi32>
      %t191 = arith.subi %t190, %c140 : vector<8xi32>
      %t192 = math.fma %t189, %c143, %t187 : vector<8xf32>
      %t193 = math.fma %t189, %c145, %t192 : vector<8xf32>
      %t194 = arith.mulf %t193, %t193 : vector<8xf32>
      %t195 = math.fma %c148, %t193, %c149 : vector<8xf32>
      %t196 = math.fma %t195, %t193, %c151 : vector<8xf32>
      %t197 = math.fma %t196, %t193, %c153 : vector<8xf32>
      %t198 = math.fma %t197, %t193, %c155 : vector<8xf32>
      %t199 = math.fma %t194, %t198, %t193 : vector<8xf32>
      %t200 = arith.addf %c158, %t199 : vector<8xf32>
      %t201 = arith.shrsi %t191, %c160 : vector<8xi32>
      %t202 = arith.subi %t191, %t201 : vector<8xi32>
      %t203 = arith.addi %t201, %c164 : vector<8xi32>
      %t204 = arith.shli %t203, %c163 : vector<8xi32>
      %t205 = arith.bitcast %t204 : vector<8xi32> to vector<8xf32>
      %t206 = arith.addi %t202, %c164 : vector<8xi32>
      %t207 = arith.shli %t206, %c163 : vector<8xi32>
      %t208 = arith.bitcast %t207 : vector<8xi32> to vector<8xf32>
      %t209 = arith.mulf %t200, %t205 : vector<8xf32>
      %t210 = arith.mulf %t209, %t208 : vector<8xf32>
      %t211 = arith.select %t186, %c4, %t210 : vector<8xi1>, vector<8xf32>
      %t212 = arith.cmpf uno, %t183, %t183 : vector<8xf32>
      %t213 = arith.select %t212, %t183, %t211 : vector<8xi1>, vector<8xf32>
      %t214 = arith.addf %c158, %t213 : vector<8xf32>
      %t215 = arith.divf %c158, %t214 : vector<8xf32>
      %t216 = arith.addi %c124, %j126 : index
      %t217 = vector.load %m6[%t216] : memref<64xf32>, vector<8xf32>
      %t218 = math.absf %t217 : vector<8xf32>
      %t219 = arith.mulf %t218, %t218 : vector<8xf32>
      %t222 = math.fma %c220, %t219, %c221 : vector<8xf32>
      %t224 = math.fma %t222, %t219, %c223 : vector<8xf32>
      %t226 = math.fma %t224, %t219, %c225 : vector<8xf32>
      %t228 = math.fma %t226, %t219, %c227 : vector<8xf32>
      %t230 = math.fma %t228, %t219, %c229 : vector<8xf32>
      %t232 = math.fma %t230, %t219, %c231 : vector<8xf32>
      %t233 = arith.mulf %t218, %t219 : vector<8xf32>
      %t234 = math.fma %t233, %t232, %t218 : vector<8xf32>
      %t236 = arith.cmpf ogt, %t218, %c235 : vector<8xf32>
      %t237 = arith.select %t236, %c235, %t218 : vector<8xi1>, vector<8xf32>
      %t239 = arith.mulf %c238, %t237 : vector<8xf32>
      %t240 = arith.cmpf olt, %t239, %c130 : vector<8xf32>
      %t241 = arith.select %t240, %t239, %c130 : vector<8xi1>, vector<8xf32>
      %t242 = arith.cmpf olt, %t241, %c133 : vector<8xf32>
      %t243 = arith.select %t242, %c133, %t241 : vector<8xi1>, vector<8xf32>
      %t244 = math.fma %t243, %c137, %c136 : vector<8xf32>
      %t245 = arith.subf %t244, %c136 : vector<8xf32>
      %t246 = arith.bitcast %t244 : vector<8xf32> to vector<8xi32>
      %t247 = arith.subi %t246, %c140 : vector<8xi32>
      %t248 = math.fma %t245, %c143, %t243 : vector<8xf32>
      %t249 = math.fma %t245, %c145, %t248 : vector<8xf32>
      %t250 = arith.mulf %t249, %t249 : vector<8xf32>
      %t251 = math.fma %c148, %t249, %c149 : vector<8xf32>
      %t252 = math.fma %t251, %t249, %c151 : vector<8xf32>
      %t253 = math.fma %t252, %t249, %c153 : vector<8xf32>
      %t254 = math.fma %t253, %t249, %c155 : vector<8xf32>
      %t255 = math.fma %t250, %t254, %t249 : vector<8xf32>
      %t256 = arith.addf %c158, %t255 : vector<8xf32>
      %t257 = arith.shrsi %t247, %c160 : vector<8xi32>
      %t258 = arith.subi %t247, %t257 : vector<8xi32>
      %t259 = arith.addi %t257, %c164 : vector<8xi32>
      %t260 = arith.shli %t259, %c163 : vector<8xi32>
      %t261 = arith.bitcast %t260 : vector<8xi32> to vector<8xf32>
      %t262 = arith.addi %t258, %c164 : vector<8xi32>
      %t263 = arith.shli %t262, %c163 : vector<8xi32>
      %t264 = arith.bitcast %t263 : vector<8xi32> to vector<8xf32>
      %t265 = arith.mulf %t256, %t261 : vector<8xf32>
      %t266 = arith.mulf %t265, %t264 : vector<8xf32>
      %t267 = arith.select %t242, %c4, %t266 : vector<8xi1>, vector<8xf32>
      %t268 = arith.cmpf uno, %t239, %t239 : vector<8xf32>
      %t269 = arith.select %t268, %t239, %t267 : vector<8xi1>, vector<8xf32>
      %t270 = arith.addf %t269, %c158 : vector<8xf32>
      %t271 = arith.divf %c238, %t270 : vector<8xf32>
      %t272 = arith.subf %c158, %t271 : vector<8xf32>
      %t274 = arith.cmpf olt, %t218, %c273 : vector<8xf32>
      %t275 = arith.select %t274, %t234, %t272 : vector<8xi1>, vector<8xf32>
      %t276 = math.copysign %t275, %t217 : vector<8xf32>
      %t277 = arith.mulf %t215, %t276 : vector<8xf32>
      %t278 = arith.addf %t180, %t277 : vector<8xf32>
      %t279 = arith.addi %c125, %j126 : index
      %t280 = vector.load %m6[%t279] : memref<64xf32>, vector<8xf32>
      %t281 = arith.negf %t280 : vector<8xf32>
      %t282 = arith.cmpf olt, %t281, %c130 : vector<8xf32>
      %t283 = arith.select %t282, %t281, %c130 : vector<8xi1>, vector<8xf32>
      %t284 = arith.cmpf olt, %t283, %c133 : vector<8xf32>
      %t285 = arith.select %t284, %c133, %t283 : vector<8xi1>, vector<8xf32>
      %t286 = math.fma %t285, %c137, %c136 : vector<8xf32>
      %t287 = arith.subf %t286, %c136 : vector<8xf32>
      %t288 = arith.bitcast %t286 : vector<8xf32> to vector<8xi32>
      %t289 = arith.subi %t288, %c140 : vector<8xi32>
      %t290 = math.fma %t287, %c143, %t285 : vector<8xf32>
      %t291 = math.fma %t287, %c145, %t290 : vector<8xf32>
      %t292 = arith.mulf %t291, %t291 : vector<8xf32>
      %t293 = math.fma %c148, %t291, %c149 : vector<8xf32>
      %t294 = math.fma %t293, %t291, %c151 : vector<8xf32>
      %t295 = math.fma %t294, %t291, %c153 : vector<8xf32>
      %t296 = math.fma %t295, %t291, %c155 : vector<8xf32>
      %t297 = math.fma %t292, %t296, %t291 : vector<8xf32>
      %t298 = arith.addf %c158, %t297 : vector<8xf32>
      %t299 = arith.shrsi %t289, %c160 : vector<8xi32>
      %t300 = arith.subi %t289, %t299 : vector<8xi32>
      %t301 = arith.addi %t299, %c164 : vector<8xi32>
      %t302 = arith.shli %t301, %c163 : vector<8xi32>
      %t303 = arith.bitcast %t302 : vector<8xi32> to vector<8xf32>
      %t304 = arith.addi %t300, %c164 : vector<8xi32>
      %t305 = arith.shli %t304, %c163 : vector<8xi32>
      %t306 = arith.bitcast %t305 : vector<8xi32> to vector<8xf32>
      %t307 = arith.mulf %t298, %t303 : vector<8xf32>
      %t308 = arith.mulf %t307, %t306 : vector<8xf32>
      %t309 = arith.select %t284, %c4, %t308 : vector<8xi1>, vector<8xf32>
      %t310 = arith.cmpf uno, %t281, %t281 : vector<8xf32>
      %t311 = arith.select %t310, %t281, %t309 : vector<8xi1>, vector<8xf32>
      %t312 = arith.addf %c158, %t311 : vector<8xf32>
      %t313 = arith.divf %c158, %t312 : vector<8xf32>
      %t314 = math.absf %t278 : vector<8xf32>
      %t315 = arith.mulf %t314, %t314 : vector<8xf32>
      %t316 = math.fma %c220, %t315, %c221 : vector<8xf32>
      %t317 = math.fma %t316, %t315, %c223 : vector<8xf32>
      %t318 = math.fma %t317, %t315, %c225 : vector<8xf32>
      %t319 = math.fma %t318, %t315, %c227 : vector<8xf32>
      %t320 = math.fma %t319, %t315, %c229 : vector<8xf32>
      %t321 = math.fma %t320, %t315, %c231 : vector<8xf32>
      %t322 = arith.mulf %t314, %t315 : vector<8xf32>
      %t323 = math.fma %t322, %t321, %t314 : vector<8xf32>
      %t324 = arith.cmpf ogt, %t314, %c235 : vector<8xf32>
      %t325 = arith.select %t324, %c235, %t314 : vector<8xi1>, vector<8xf32>
      %t326 = arith.mulf %c238, %t325 : vector<8xf32>
      %t327 = arith.cmpf olt, %t326, %c130 : vector<8xf32>
      %t328 = arith.select %t327, %t326, %c130 : vector<8xi1>, vector<8xf32>
      %t329 = arith.cmpf olt, %t328, %c133 : vector<8xf32>
      %t330 = arith.select %t329, %c133, %t328 : vector<8xi1>, vector<8xf32>
      %t331 = math.fma %t330, %c137, %c136 : vector<8xf32>
      %t332 = arith.subf %t331, %c136 : vector<8xf32>
      %t333 = arith.bitcast %t331 : vector<8xf32> to vector<8xi32>
      %t334 = arith.subi %t333, %c140 : vector<8xi32>
      %t335 = math.fma %t332, %c143, %t330 : vector<8xf32>
      %t336 = math.fma %t332, %c145, %t335 : vector<8xf32>
      %t337 = arith.mulf %t336, %t336 : vector<8xf32>
      %t338 = math.fma %c148, %t336, %c149 : vector<8xf32>
      %t339 = math.fma %t338, %t336, %c151 : vector<8xf32>
      %t340 = math.fma %t339, %t336, %c153 : vector<8xf32>
      %t341 = math.fma %t340, %t336, %c155 : vector<8xf32>
      %t342 = math.fma %t337, %t341, %t336 : vector<8xf32>
      %t343 = arith.addf %c158, %t342 : vector<8xf32>
      %t344 = arith.shrsi %t334, %c160 : vector<8xi32>
      %t345 = arith.subi %t334, %t344 : vector<8xi32>
      %t346 = arith.addi %t344, %c164 : vector<8xi32>
      %t347 = arith.shli %t346, %c163 : vector<8xi32>
      %t348 = arith.bitcast %t347 : vector<8xi32> to vector<8xf32>
      %t349 = arith.addi %t345, %c164 : vector<8xi32>
      %t350 = arith.shli %t349, %c163 : vector<8xi32>
      %t351 = arith.bitcast %t350 : vector<8xi32> to vector<8xf32>
      %t352 = arith.mulf %t343, %t348 : vector<8xf32>
      %t353 = arith.mulf %t352, %t351 : vector<8xf32>
      %t354 = arith.select %t329, %c4, %t353 : vector<8xi1>, vector<8xf32>
      %t355 = arith.cmpf uno, %t326, %t326 : vector<8xf32>
      %t356 = arith.select %t355, %t326, %t354 : vector<8xi1>, vector<8xf32>
      %t357 = arith.addf %t356, %c158 : vector<8xf32>
      %t358 = arith.divf %c238, %t357 : vector<8xf32>
      %t359 = arith.subf %c158, %t358 : vector<8xf32>
      %t360 = arith.cmpf olt, %t314, %c273 : vector<8xf32>
      %t361 = arith.select %t360, %t323, %t359 : vector<8xi1>, vector<8xf32>
      %t362 = math.copysign %t361, %t278 : vector<8xf32>
      %t363 = arith.addi %c0, %j126 : index
      %t364 = vector.load %m8[%t363] : memref<16xf32>, vector<8xf32>
      %t365 = arith.addi %c0, %j126 : index
      %t366 = vector.load %m9[%t365] : memref<16xf32>, vector<8xf32>
      %t367 = arith.addf %t364, %t366 : vector<8xf32>
      %t368 = arith.mulf %t367, %t362 : vector<8xf32>
      %t369 = arith.mulf %t367, %t313 : vector<8xf32>
      %t370 = arith.mulf %t362, %t362 : vector<8xf32>
      %t371 = arith.subf %c158, %t370 : vector<8xf32>
      %t372 = arith.mulf %t369, %t371 : vector<8xf32>
      %t373 = arith.addi %c0, %j126 : index
      %t374 = vector.load %m10[%t373] : memref<16xf32>, vector<8xf32>
      %t375 = arith.addf %t374, %t372 : vector<8xf32>
      %t376 = arith.subf %c158, %t313 : vector<8xf32>
      %t377 = arith.mulf %t313, %t376 : vector<8xf32>
      %t378 = arith.mulf %t368, %t377 : vector<8xf32>
      %t379 = arith.mulf %t375, %t276 : vector<8xf32>
      %t380 = arith.mulf %t375, %t215 : vector<8xf32>
      %t381 = arith.mulf %t276, %t276 : vector<8xf32>
      %t382 = arith.subf %c158, %t381 : vector<8xf32>
      %t383 = arith.mulf %t380, %t382 : vector<8xf32>
      %t384 = arith.subf %c158, %t215 : vector<8xf32>
      %t385 = arith.mulf %t215, %t384 : vector<8xf32>
      %t386 = arith.mulf %t379, %t385 : vector<8xf32>
      %t387 = arith.mulf %t375, %t179 : vector<8xf32>
      %t388 = arith.mulf %t375, %t177 : vector<8xf32>
      %t389 = arith.subf %c158, %t177 : vector<8xf32>
      %t390 = arith.mulf %t177, %t389 : vector<8xf32>
      %t391 = arith.mulf %t387, %t390 : vector<8xf32>
      %t392 = arith.addi %c0, %j126 : index
      vector.store %t378, %m11[%t392] : memref<16xf32>, vector<8xf32>
      %t393 = arith.addi %c0, %j126 : index
      vector.store %t383, %m12[%t393] : memref<16xf32>, vector<8xf32>
      %t394 = arith.addi %c0, %j126 : index
      vector.store %t386, %m13[%t394] : memref<16xf32>, vector<8xf32>
      %t395 = arith.addi %c0, %j126 : index
      vector.store %t388, %m14[%t395] : memref<16xf32>, vector<8xf32>
      %t396 = arith.addi %c0, %j126 : index
      vector.store %t391, %m15[%t396] : memref<16xf32>, vector<8xf32>
    }
    scf.for %i397 = %c0 to %c8 step %c8 {
      scf.for %j398 = %c0 to %c3 step %c2 {
        %t399 = arith.index_cast %j398 : index to i64
        %t400 = arith.sitofp %t399 : i64 to f32
        %t401 = vector.broadcast %t400 : f32 to vector<8xf32>
        %t403 = arith.addf %t401, %c402 : vector<8xf32>
        %t405 = arith.subf %t403, %c404 : vector<8xf32>
        %t407 = vector.extract %t405[0] : f32 from vector<8xf32>
        %t408 = vector.extract %t405[1] : f32 from vector<8xf32>
        %t409 = vector.extract %t405[2] : f32 from vector<8xf32>
        %t410 = vector.extract %t405[3] : f32 from vector<8xf32>
        %t411 = vector.extract %t405[4] : f32 from vector<8xf32>
        %t412 = vector.extract %t405[5] : f32 from vector<8xf32>
        %t413 = vector.extract %t405[6] : f32 from vector<8xf32>
        %t414 = vector.extract %t405[7] : f32 from vector<8xf32>
        %t416 = arith.cmpf oge, %t407, %c415 : f32
        %t418 = arith.cmpf olt, %t407, %c417 : f32
        %t419 = arith.andi %t416, %t418 : i1
        %t420 = scf.if %t419 -> (f32) {
          %t421 = arith.fptosi %t407 : f32 to i64
          %t422 = arith.index_cast %t421 : i64 to index
          %t423 = arith.addi %c0, %t422 : index
          %t424 = memref.load %m11[%t423] : memref<16xf32>
          scf.yield %t424 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t425 = vector.insert %t420, %c4 [0] : f32 into vector<8xf32>
        %t426 = arith.addi %c0, %c0 : index
        %t427 = arith.cmpf oge, %t408, %c415 : f32
        %t428 = arith.cmpf olt, %t408, %c417 : f32
        %t429 = arith.andi %t427, %t428 : i1
        %t430 = scf.if %t429 -> (f32) {
          %t431 = arith.fptosi %t408 : f32 to i64
          %t432 = arith.index_cast %t431 : i64 to index
          %t433 = arith.addi %t426, %t432 : index
          %t434 = memref.load %m11[%t433] : memref<16xf32>
          scf.yield %t434 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t435 = vector.insert %t430, %t425 [1] : f32 into vector<8xf32>
        %t436 = arith.addi %c0, %c0 : index
        %t437 = arith.cmpf oge, %t409, %c415 : f32
        %t438 = arith.cmpf olt, %t409, %c417 : f32
        %t439 = arith.andi %t437, %t438 : i1
        %t440 = scf.if %t439 -> (f32) {
          %t441 = arith.fptosi %t409 : f32 to i64
          %t442 = arith.index_cast %t441 : i64 to index
          %t443 = arith.addi %t436, %t442 : index
          %t444 = memref.load %m11[%t443] : memref<16xf32>
          scf.yield %t444 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t445 = vector.insert %t440, %t435 [2] : f32 into vector<8xf32>
        %t446 = arith.addi %c0, %c0 : index
        %t447 = arith.cmpf oge, %t410, %c415 : f32
        %t448 = arith.cmpf olt, %t410, %c417 : f32
        %t449 = arith.andi %t447, %t448 : i1
        %t450 = scf.if %t449 -> (f32) {
          %t451 = arith.fptosi %t410 : f32 to i64
          %t452 = arith.index_cast %t451 : i64 to index
          %t453 = arith.addi %t446, %t452 : index
          %t454 = memref.load %m11[%t453] : memref<16xf32>
          scf.yield %t454 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t455 = vector.insert %t450, %t445 [3] : f32 into vector<8xf32>
        %t456 = arith.addi %c0, %c0 : index
        %t457 = arith.cmpf oge, %t411, %c415 : f32
        %t458 = arith.cmpf olt, %t411, %c417 : f32
        %t459 = arith.andi %t457, %t458 : i1
        %t460 = scf.if %t459 -> (f32) {
          %t461 = arith.fptosi %t411 : f32 to i64
          %t462 = arith.index_cast %t461 : i64 to index
          %t463 = arith.addi %t456, %t462 : index
          %t464 = memref.load %m11[%t463] : memref<16xf32>
          scf.yield %t464 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t465 = vector.insert %t460, %t455 [4] : f32 into vector<8xf32>
        %t466 = arith.addi %c0, %c0 : index
        %t467 = arith.cmpf oge, %t412, %c415 : f32
        %t468 = arith.cmpf olt, %t412, %c417 : f32
        %t469 = arith.andi %t467, %t468 : i1
        %t470 = scf.if %t469 -> (f32) {
          %t471 = arith.fptosi %t412 : f32 to i64
          %t472 = arith.index_cast %t471 : i64 to index
          %t473 = arith.addi %t466, %t472 : index
          %t474 = memref.load %m11[%t473] : memref<16xf32>
          scf.yield %t474 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t475 = vector.insert %t470, %t465 [5] : f32 into vector<8xf32>
        %t476 = arith.addi %c0, %c0 : index
        %t477 = arith.cmpf oge, %t413, %c415 : f32
        %t478 = arith.cmpf olt, %t413, %c417 : f32
        %t479 = arith.andi %t477, %t478 : i1
        %t480 = scf.if %t479 -> (f32) {
          %t481 = arith.fptosi %t413 : f32 to i64
          %t482 = arith.index_cast %t481 : i64 to index
          %t483 = arith.addi %t476, %t482 : index
          %t484 = memref.load %m11[%t483] : memref<16xf32>
          scf.yield %t484 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t485 = vector.insert %t480, %t475 [6] : f32 into vector<8xf32>
        %t486 = arith.addi %c0, %c0 : index
        %t487 = arith.cmpf oge, %t414, %c415 : f32
        %t488 = arith.cmpf olt, %t414, %c417 : f32
        %t489 = arith.andi %t487, %t488 : i1
        %t490 = scf.if %t489 -> (f32) {
          %t491 = arith.fptosi %t414 : f32 to i64
          %t492 = arith.index_cast %t491 : i64 to index
          %t493 = arith.addi %t486, %t492 : index
          %t494 = memref.load %m11[%t493] : memref<16xf32>
          scf.yield %t494 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t495 = vector.insert %t490, %t485 [7] : f32 into vector<8xf32>
        %t497 = arith.subf %t403, %c496 : vector<8xf32>
        %t499 = vector.extract %t497[0] : f32 from vector<8xf32>
        %t500 = vector.extract %t497[1] : f32 from vector<8xf32>
        %t501 = vector.extract %t497[2] : f32 from vector<8xf32>
        %t502 = vector.extract %t497[3] : f32 from vector<8xf32>
        %t503 = vector.extract %t497[4] : f32 from vector<8xf32>
        %t504 = vector.extract %t497[5] : f32 from vector<8xf32>
        %t505 = vector.extract %t497[6] : f32 from vector<8xf32>
        %t506 = vector.extract %t497[7] : f32 from vector<8xf32>
        %t507 = arith.cmpf oge, %t499, %c415 : f32
        %t508 = arith.cmpf olt, %t499, %c417 : f32
        %t509 = arith.andi %t507, %t508 : i1
        %t510 = scf.if %t509 -> (f32) {
          %t511 = arith.fptosi %t499 : f32 to i64
          %t512 = arith.index_cast %t511 : i64 to index
          %t513 = arith.addi %c0, %t512 : index
          %t514 = memref.load %m12[%t513] : memref<16xf32>
          scf.yield %t514 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t515 = vector.insert %t510, %c4 [0] : f32 into vector<8xf32>
        %t516 = arith.addi %c0, %c0 : index
        %t517 = arith.cmpf oge, %t500, %c415 : f32
        %t518 = arith.cmpf olt, %t500, %c417 : f32
        %t519 = arith.andi %t517, %t518 : i1
        %t520 = scf.if %t519 -> (f32) {
          %t521 = arith.fptosi %t500 : f32 to i64
          %t522 = arith.index_cast %t521 : i64 to index
          %t523 = arith.addi %t516, %t522 : index
          %t524 = memref.load %m12[%t523] : memref<16xf32>
          scf.yield %t524 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t525 = vector.insert %t520, %t515 [1] : f32 into vector<8xf32>
        %t526 = arith.addi %c0, %c0 : index
        %t527 = arith.cmpf oge, %t501, %c415 : f32
        %t528 = arith.cmpf olt, %t501, %c417 : f32
        %t529 = arith.andi %t527, %t528 : i1
        %t530 = scf.if %t529 -> (f32) {
          %t531 = arith.fptosi %t501 : f32 to i64
          %t532 = arith.index_cast %t531 : i64 to index
          %t533 = arith.addi %t526, %t532 : index
          %t534 = memref.load %m12[%t533] : memref<16xf32>
          scf.yield %t534 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t535 = vector.insert %t530, %t525 [2] : f32 into vector<8xf32>
        %t536 = arith.addi %c0, %c0 : index
        %t537 = arith.cmpf oge, %t502, %c415 : f32
        %t538 = arith.cmpf olt, %t502, %c417 : f32
        %t539 = arith.andi %t537, %t538 : i1
        %t540 = scf.if %t539 -> (f32) {
          %t541 = arith.fptosi %t502 : f32 to i64
          %t542 = arith.index_cast %t541 : i64 to index
          %t543 = arith.addi %t536, %t542 : index
          %t544 = memref.load %m12[%t543] : memref<16xf32>
          scf.yield %t544 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t545 = vector.insert %t540, %t535 [3] : f32 into vector<8xf32>
        %t546 = arith.addi %c0, %c0 : index
        %t547 = arith.cmpf oge, %t503, %c415 : f32
        %t548 = arith.cmpf olt, %t503, %c417 : f32
        %t549 = arith.andi %t547, %t548 : i1
        %t550 = scf.if %t549 -> (f32) {
          %t551 = arith.fptosi %t503 : f32 to i64
          %t552 = arith.index_cast %t551 : i64 to index
          %t553 = arith.addi %t546, %t552 : index
          %t554 = memref.load %m12[%t553] : memref<16xf32>
          scf.yield %t554 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t555 = vector.insert %t550, %t545 [4] : f32 into vector<8xf32>
        %t556 = arith.addi %c0, %c0 : index
        %t557 = arith.cmpf oge, %t504, %c415 : f32
        %t558 = arith.cmpf olt, %t504, %c417 : f32
        %t559 = arith.andi %t557, %t558 : i1
        %t560 = scf.if %t559 -> (f32) {
          %t561 = arith.fptosi %t504 : f32 to i64
          %t562 = arith.index_cast %t561 : i64 to index
          %t563 = arith.addi %t556, %t562 : index
          %t564 = memref.load %m12[%t563] : memref<16xf32>
          scf.yield %t564 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t565 = vector.insert %t560, %t555 [5] : f32 into vector<8xf32>
        %t566 = arith.addi %c0, %c0 : index
        %t567 = arith.cmpf oge, %t505, %c415 : f32
        %t568 = arith.cmpf olt, %t505, %c417 : f32
        %t569 = arith.andi %t567, %t568 : i1
        %t570 = scf.if %t569 -> (f32) {
          %t571 = arith.fptosi %t505 : f32 to i64
          %t572 = arith.index_cast %t571 : i64 to index
          %t573 = arith.addi %t566, %t572 : index
          %t574 = memref.load %m12[%t573] : memref<16xf32>
          scf.yield %t574 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t575 = vector.insert %t570, %t565 [6] : f32 into vector<8xf32>
        %t576 = arith.addi %c0, %c0 : index
        %t577 = arith.cmpf oge, %t506, %c415 : f32
        %t578 = arith.cmpf olt, %t506, %c417 : f32
        %t579 = arith.andi %t577, %t578 : i1
        %t580 = scf.if %t579 -> (f32) {
          %t581 = arith.fptosi %t506 : f32 to i64
          %t582 = arith.index_cast %t581 : i64 to index
          %t583 = arith.addi %t576, %t582 : index
          %t584 = memref.load %m12[%t583] : memref<16xf32>
          scf.yield %t584 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t585 = vector.insert %t580, %t575 [7] : f32 into vector<8xf32>
        %t586 = arith.cmpf ogt, %c404, %t403 : vector<8xf32>
        %t587 = arith.select %t586, %c158, %c4 : vector<8xi1>, vector<8xf32>
        %t588 = arith.cmpf une, %t587, %c4 : vector<8xf32>
        %t589 = arith.select %t588, %t585, %t495 : vector<8xi1>, vector<8xf32>
        %t591 = arith.subf %t403, %c590 : vector<8xf32>
        %t593 = vector.extract %t591[0] : f32 from vector<8xf32>
        %t594 = vector.extract %t591[1] : f32 from vector<8xf32>
        %t595 = vector.extract %t591[2] : f32 from vector<8xf32>
        %t596 = vector.extract %t591[3] : f32 from vector<8xf32>
        %t597 = vector.extract %t591[4] : f32 from vector<8xf32>
        %t598 = vector.extract %t591[5] : f32 from vector<8xf32>
        %t599 = vector.extract %t591[6] : f32 from vector<8xf32>
        %t600 = vector.extract %t591[7] : f32 from vector<8xf32>
        %t601 = arith.cmpf oge, %t593, %c415 : f32
        %t602 = arith.cmpf olt, %t593, %c417 : f32
        %t603 = arith.andi %t601, %t602 : i1
        %t604 = scf.if %t603 -> (f32) {
          %t605 = arith.fptosi %t593 : f32 to i64
          %t606 = arith.index_cast %t605 : i64 to index
          %t607 = arith.addi %c0, %t606 : index
          %t608 = memref.load %m15[%t607] : memref<16xf32>
          scf.yield %t608 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t609 = vector.insert %t604, %c4 [0] : f32 into vector<8xf32>
        %t610 = arith.addi %c0, %c0 : index
        %t611 = arith.cmpf oge, %t594, %c415 : f32
        %t612 = arith.cmpf olt, %t594, %c417 : f32
        %t613 = arith.andi %t611, %t612 : i1
        %t614 = scf.if %t613 -> (f32) {
          %t615 = arith.fptosi %t594 : f32 to i64
          %t616 = arith.index_cast %t615 : i64 to index
          %t617 = arith.addi %t610, %t616 : index
          %t618 = memref.load %m15[%t617] : memref<16xf32>
          scf.yield %t618 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t619 = vector.insert %t614, %t609 [1] : f32 into vector<8xf32>
        %t620 = arith.addi %c0, %c0 : index
        %t621 = arith.cmpf oge, %t595, %c415 : f32
        %t622 = arith.cmpf olt, %t595, %c417 : f32
        %t623 = arith.andi %t621, %t622 : i1
        %t624 = scf.if %t623 -> (f32) {
          %t625 = arith.fptosi %t595 : f32 to i64
          %t626 = arith.index_cast %t625 : i64 to index
          %t627 = arith.addi %t620, %t626 : index
          %t628 = memref.load %m15[%t627] : memref<16xf32>
          scf.yield %t628 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t629 = vector.insert %t624, %t619 [2] : f32 into vector<8xf32>
        %t630 = arith.addi %c0, %c0 : index
        %t631 = arith.cmpf oge, %t596, %c415 : f32
        %t632 = arith.cmpf olt, %t596, %c417 : f32
        %t633 = arith.andi %t631, %t632 : i1
        %t634 = scf.if %t633 -> (f32) {
          %t635 = arith.fptosi %t596 : f32 to i64
          %t636 = arith.index_cast %t635 : i64 to index
          %t637 = arith.addi %t630, %t636 : index
          %t638 = memref.load %m15[%t637] : memref<16xf32>
          scf.yield %t638 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t639 = vector.insert %t634, %t629 [3] : f32 into vector<8xf32>
        %t640 = arith.addi %c0, %c0 : index
        %t641 = arith.cmpf oge, %t597, %c415 : f32
        %t642 = arith.cmpf olt, %t597, %c417 : f32
        %t643 = arith.andi %t641, %t642 : i1
        %t644 = scf.if %t643 -> (f32) {
          %t645 = arith.fptosi %t597 : f32 to i64
          %t646 = arith.index_cast %t645 : i64 to index
          %t647 = arith.addi %t640, %t646 : index
          %t648 = memref.load %m15[%t647] : memref<16xf32>
          scf.yield %t648 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t649 = vector.insert %t644, %t639 [4] : f32 into vector<8xf32>
        %t650 = arith.addi %c0, %c0 : index
        %t651 = arith.cmpf oge, %t598, %c415 : f32
        %t652 = arith.cmpf olt, %t598, %c417 : f32
        %t653 = arith.andi %t651, %t652 : i1
        %t654 = scf.if %t653 -> (f32) {
          %t655 = arith.fptosi %t598 : f32 to i64
          %t656 = arith.index_cast %t655 : i64 to index
          %t657 = arith.addi %t650, %t656 : index
          %t658 = memref.load %m15[%t657] : memref<16xf32>
          scf.yield %t658 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t659 = vector.insert %t654, %t649 [5] : f32 into vector<8xf32>
        %t660 = arith.addi %c0, %c0 : index
        %t661 = arith.cmpf oge, %t599, %c415 : f32
        %t662 = arith.cmpf olt, %t599, %c417 : f32
        %t663 = arith.andi %t661, %t662 : i1
        %t664 = scf.if %t663 -> (f32) {
          %t665 = arith.fptosi %t599 : f32 to i64
          %t666 = arith.index_cast %t665 : i64 to index
          %t667 = arith.addi %t660, %t666 : index
          %t668 = memref.load %m15[%t667] : memref<16xf32>
          scf.yield %t668 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t669 = vector.insert %t664, %t659 [6] : f32 into vector<8xf32>
        %t670 = arith.addi %c0, %c0 : index
        %t671 = arith.cmpf oge, %t600, %c415 : f32
        %t672 = arith.cmpf olt, %t600, %c417 : f32
        %t673 = arith.andi %t671, %t672 : i1
        %t674 = scf.if %t673 -> (f32) {
          %t675 = arith.fptosi %t600 : f32 to i64
          %t676 = arith.index_cast %t675 : i64 to index
          %t677 = arith.addi %t670, %t676 : index
          %t678 = memref.load %m15[%t677] : memref<16xf32>
          scf.yield %t678 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t679 = vector.insert %t674, %t669 [7] : f32 into vector<8xf32>
        %t680 = arith.cmpf ogt, %c496, %t403 : vector<8xf32>
        %t681 = arith.select %t680, %c158, %c4 : vector<8xi1>, vector<8xf32>
        %t682 = arith.cmpf une, %t681, %c4 : vector<8xf32>
        %t683 = arith.select %t682, %t679, %t589 : vector<8xi1>, vector<8xf32>
        %t685 = vector.extract %t403[0] : f32 from vector<8xf32>
        %t686 = vector.extract %t403[1] : f32 from vector<8xf32>
        %t687 = vector.extract %t403[2] : f32 from vector<8xf32>
        %t688 = vector.extract %t403[3] : f32 from vector<8xf32>
        %t689 = vector.extract %t403[4] : f32 from vector<8xf32>
        %t690 = vector.extract %t403[5] : f32 from vector<8xf32>
        %t691 = vector.extract %t403[6] : f32 from vector<8xf32>
        %t692 = vector.extract %t403[7] : f32 from vector<8xf32>
        %t693 = arith.cmpf oge, %t685, %c415 : f32
        %t694 = arith.cmpf olt, %t685, %c417 : f32
        %t695 = arith.andi %t693, %t694 : i1
        %t696 = scf.if %t695 -> (f32) {
          %t697 = arith.fptosi %t685 : f32 to i64
          %t698 = arith.index_cast %t697 : i64 to index
          %t699 = arith.addi %c0, %t698 : index
          %t700 = memref.load %m13[%t699] : memref<16xf32>
          scf.yield %t700 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t701 = vector.insert %t696, %c4 [0] : f32 into vector<8xf32>
        %t702 = arith.addi %c0, %c0 : index
        %t703 = arith.cmpf oge, %t686, %c415 : f32
        %t704 = arith.cmpf olt, %t686, %c417 : f32
        %t705 = arith.andi %t703, %t704 : i1
        %t706 = scf.if %t705 -> (f32) {
          %t707 = arith.fptosi %t686 : f32 to i64
          %t708 = arith.index_cast %t707 : i64 to index
          %t709 = arith.addi %t702, %t708 : index
          %t710 = memref.load %m13[%t709] : memref<16xf32>
          scf.yield %t710 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t711 = vector.insert %t706, %t701 [1] : f32 into vector<8xf32>
        %t712 = arith.addi %c0, %c0 : index
        %t713 = arith.cmpf oge, %t687, %c415 : f32
        %t714 = arith.cmpf olt, %t687, %c417 : f32
        %t715 = arith.andi %t713, %t714 : i1
        %t716 = scf.if %t715 -> (f32) {
          %t717 = arith.fptosi %t687 : f32 to i64
          %t718 = arith.index_cast %t717 : i64 to index
          %t719 = arith.addi %t712, %t718 : index
          %t720 = memref.load %m13[%t719] : memref<16xf32>
          scf.yield %t720 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t721 = vector.insert %t716, %t711 [2] : f32 into vector<8xf32>
        %t722 = arith.addi %c0, %c0 : index
        %t723 = arith.cmpf oge, %t688, %c415 : f32
        %t724 = arith.cmpf olt, %t688, %c417 : f32
        %t725 = arith.andi %t723, %t724 : i1
        %t726 = scf.if %t725 -> (f32) {
          %t727 = arith.fptosi %t688 : f32 to i64
          %t728 = arith.index_cast %t727 : i64 to index
          %t729 = arith.addi %t722, %t728 : index
          %t730 = memref.load %m13[%t729] : memref<16xf32>
          scf.yield %t730 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t731 = vector.insert %t726, %t721 [3] : f32 into vector<8xf32>
        %t732 = arith.addi %c0, %c0 : index
        %t733 = arith.cmpf oge, %t689, %c415 : f32
        %t734 = arith.cmpf olt, %t689, %c417 : f32
        %t735 = arith.andi %t733, %t734 : i1
        %t736 = scf.if %t735 -> (f32) {
          %t737 = arith.fptosi %t689 : f32 to i64
          %t738 = arith.index_cast %t737 : i64 to index
          %t739 = arith.addi %t732, %t738 : index
          %t740 = memref.load %m13[%t739] : memref<16xf32>
          scf.yield %t740 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t741 = vector.insert %t736, %t731 [4] : f32 into vector<8xf32>
        %t742 = arith.addi %c0, %c0 : index
        %t743 = arith.cmpf oge, %t690, %c415 : f32
        %t744 = arith.cmpf olt, %t690, %c417 : f32
        %t745 = arith.andi %t743, %t744 : i1
        %t746 = scf.if %t745 -> (f32) {
          %t747 = arith.fptosi %t690 : f32 to i64
          %t748 = arith.index_cast %t747 : i64 to index
          %t749 = arith.addi %t742, %t748 : index
          %t750 = memref.load %m13[%t749] : memref<16xf32>
          scf.yield %t750 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t751 = vector.insert %t746, %t741 [5] : f32 into vector<8xf32>
        %t752 = arith.addi %c0, %c0 : index
        %t753 = arith.cmpf oge, %t691, %c415 : f32
        %t754 = arith.cmpf olt, %t691, %c417 : f32
        %t755 = arith.andi %t753, %t754 : i1
        %t756 = scf.if %t755 -> (f32) {
          %t757 = arith.fptosi %t691 : f32 to i64
          %t758 = arith.index_cast %t757 : i64 to index
          %t759 = arith.addi %t752, %t758 : index
          %t760 = memref.load %m13[%t759] : memref<16xf32>
          scf.yield %t760 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t761 = vector.insert %t756, %t751 [6] : f32 into vector<8xf32>
        %t762 = arith.addi %c0, %c0 : index
        %t763 = arith.cmpf oge, %t692, %c415 : f32
        %t764 = arith.cmpf olt, %t692, %c417 : f32
        %t765 = arith.andi %t763, %t764 : i1
        %t766 = scf.if %t765 -> (f32) {
          %t767 = arith.fptosi %t692 : f32 to i64
          %t768 = arith.index_cast %t767 : i64 to index
          %t769 = arith.addi %t762, %t768 : index
          %t770 = memref.load %m13[%t769] : memref<16xf32>
          scf.yield %t770 : f32
        } else {
          scf.yield %c415 : f32
        }
        %t771 = vector.insert %t766, %t761 [7] : f32 into vector<8xf32>
        %t772 = arith.cmpf ogt, %c590, %t403 : vector<8xf32>
        %t773 = arith.select %t772, %c158, %c4 : vector<8xi1>, vector<8xf32>
        %t774 = arith.cmpf une, %t773, %c4 : vector<8xf32>
        %t775 = arith.select %t774, %t771, %t683 : vector<8xi1>, vector<8xf32>
        %t776 = arith.addi %c0, %j398 : index
        vector.store %t775, %m16[%t776] : memref<64xf32>, vector<8xf32>
      }
    }
    scf.for %j777 = %c0 to %c123 step %c2 {
      %r778 = scf.for %i780 = %c0 to %c3 step %c8 iter_args(%acc779 = %c4) -> (vector<8xf32>) {
        %t781 = memref.load %m16[%i780] : memref<64xf32>
        %t782 = vector.broadcast %t781 : f32 to vector<8xf32>
        %t783 = arith.muli %i780, %c123 : index
        %t784 = arith.addi %t783, %j777 : index
        %t785 = vector.load %m17[%t784] : memref<1024xf32>, vector<8xf32>
        %t786 = arith.mulf %t782, %t785 : vector<8xf32>
        %t787 = math.fma %t782, %t785, %acc779 : vector<8xf32>
        scf.yield %t787 : vector<8xf32>
      }
      %t788 = arith.addi %c0, %j777 : index
      vector.store %r778, %m18[%t788] : memref<16xf32>, vector<8xf32>
    }
    scf.for %j789 = %c0 to %c2 step %c2 {
      %r790 = scf.for %i792 = %c0 to %c3 step %c8 iter_args(%acc791 = %c4) -> (vector<8xf32>) {
        %t793 = memref.load %m16[%i792] : memref<64xf32>
        %t794 = vector.broadcast %t793 : f32 to vector<8xf32>
        %t795 = arith.muli %i792, %c2 : index
        %t796 = arith.addi %t795, %j789 : index
        %t797 = vector.load %m1[%t796] : memref<512xf32>, vector<8xf32>
        %t798 = arith.mulf %t794, %t797 : vector<8xf32>
        %t799 = math.fma %t794, %t797, %acc791 : vector<8xf32>
        scf.yield %t799 : vector<8xf32>
      }
      %t800 = arith.addi %c0, %j789 : index
      vector.store %r790, %m19[%t800] : memref<8xf32>, vector<8xf32>
    }
    return
  }
}
