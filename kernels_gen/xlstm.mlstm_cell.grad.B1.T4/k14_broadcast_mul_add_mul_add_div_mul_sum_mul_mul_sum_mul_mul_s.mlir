// kernel k14_broadcast_mul_add_mul_add_div_mul_sum_mul_mul_sum_mul_mul_s: fuses %61 broadcast, %62 mul, %63 add, %64 mul, %65 add, %66 div, %67 mul, %68 sum, %69 mul, %71 mul, %72 sum, %73 mul, %75 mul, %76 sum, %77 mul, %78 einsum, %79 add, %80 einsum (body of scan %21)
// kernel k14_broadcast_mul_add_mul_add_div_mul_sum_mul_mul_sum_mul_mul_s: domain [1, 2, 8] -> loops [2 par, 8 red], f32, 8 lanes
// nest 1: domain [1, 2, 8] -> loops [2 par, 8 red], f32, 8 lanes
// nest 2: domain [1, 2, 8] -> loops [2 par, 8], f32, 8 lanes
// nest 3: domain [1, 2, 8, 8] -> loops [2 par, 64 red], f32, 8 lanes
// nest 4: domain [1, 2, 8, 8] -> loops [2 par, 64], f32, 8 lanes
// nest 5: domain [1, 2, 8, 8] -> loops [2 par, 8, 8 red], f32, 8 lanes
// nest 6: domain [1, 2, 8] -> loops [16 par], f32, 8 lanes
// nest 7: domain [1, 2, 8, 8] -> loops [2 par, 8 red, 8], f32, 8 lanes, reduced block in registers
// ABI: void k14_broadcast_mul_add_mul_add_div_mul_sum_mul_mul_sum_mul_mul_s(void **bufs, int64_t lo, int64_t hi); [lo, hi) slices KIR dimension 1, 1, 1, 1, 1, 1, 1, 1 of the nests in order
module {
  func.func @k14_broadcast_mul_add_mul_add_div_mul_sum_mul_mul_sum_mul_mul_s(%bufs: !llvm.ptr, %lo: i64, %hi: i64) {
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
    %m6 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
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
    %n8 = llvm.mlir.constant(2 : i64) : i64
    %d8_0 = llvm.insertvalue %p8, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_1 = llvm.insertvalue %p8, %d8_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_2 = llvm.insertvalue %z, %d8_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_3 = llvm.insertvalue %n8, %d8_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d8_4 = llvm.insertvalue %one, %d8_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m8 = builtin.unrealized_conversion_cast %d8_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp9 = llvm.getelementptr %bufs[9] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p9 = llvm.load %pp9 : !llvm.ptr -> !llvm.ptr
    %n9 = llvm.mlir.constant(2 : i64) : i64
    %d9_0 = llvm.insertvalue %p9, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_1 = llvm.insertvalue %p9, %d9_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_2 = llvm.insertvalue %z, %d9_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_3 = llvm.insertvalue %n9, %d9_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d9_4 = llvm.insertvalue %one, %d9_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m9 = builtin.unrealized_conversion_cast %d9_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
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
    %pp12 = llvm.getelementptr %bufs[12] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p12 = llvm.load %pp12 : !llvm.ptr -> !llvm.ptr
    %n12 = llvm.mlir.constant(2 : i64) : i64
    %d12_0 = llvm.insertvalue %p12, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d12_1 = llvm.insertvalue %p12, %d12_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d12_2 = llvm.insertvalue %z, %d12_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d12_3 = llvm.insertvalue %n12, %d12_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d12_4 = llvm.insertvalue %one, %d12_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m12 = builtin.unrealized_conversion_cast %d12_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp13 = llvm.getelementptr %bufs[13] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p13 = llvm.load %pp13 : !llvm.ptr -> !llvm.ptr
    %n13 = llvm.mlir.constant(2 : i64) : i64
    %d13_0 = llvm.insertvalue %p13, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d13_1 = llvm.insertvalue %p13, %d13_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d13_2 = llvm.insertvalue %z, %d13_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d13_3 = llvm.insertvalue %n13, %d13_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d13_4 = llvm.insertvalue %one, %d13_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m13 = builtin.unrealized_conversion_cast %d13_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp14 = llvm.getelementptr %bufs[14] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p14 = llvm.load %pp14 : !llvm.ptr -> !llvm.ptr
    %n14 = llvm.mlir.constant(16 : i64) : i64
    %d14_0 = llvm.insertvalue %p14, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_1 = llvm.insertvalue %p14, %d14_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_2 = llvm.insertvalue %z, %d14_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_3 = llvm.insertvalue %n14, %d14_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d14_4 = llvm.insertvalue %one, %d14_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m14 = builtin.unrealized_conversion_cast %d14_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp15 = llvm.getelementptr %bufs[15] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p15 = llvm.load %pp15 : !llvm.ptr -> !llvm.ptr
    %n15 = llvm.mlir.constant(128 : i64) : i64
    %d15_0 = llvm.insertvalue %p15, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d15_1 = llvm.insertvalue %p15, %d15_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d15_2 = llvm.insertvalue %z, %d15_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d15_3 = llvm.insertvalue %n15, %d15_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d15_4 = llvm.insertvalue %one, %d15_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m15 = builtin.unrealized_conversion_cast %d15_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<128xf32>
    %pp16 = llvm.getelementptr %bufs[16] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p16 = llvm.load %pp16 : !llvm.ptr -> !llvm.ptr
    %n16 = llvm.mlir.constant(128 : i64) : i64
    %d16_0 = llvm.insertvalue %p16, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_1 = llvm.insertvalue %p16, %d16_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_2 = llvm.insertvalue %z, %d16_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_3 = llvm.insertvalue %n16, %d16_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d16_4 = llvm.insertvalue %one, %d16_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m16 = builtin.unrealized_conversion_cast %d16_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<128xf32>
    %pp17 = llvm.getelementptr %bufs[17] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p17 = llvm.load %pp17 : !llvm.ptr -> !llvm.ptr
    %n17 = llvm.mlir.constant(2 : i64) : i64
    %d17_0 = llvm.insertvalue %p17, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_1 = llvm.insertvalue %p17, %d17_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_2 = llvm.insertvalue %z, %d17_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_3 = llvm.insertvalue %n17, %d17_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d17_4 = llvm.insertvalue %one, %d17_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m17 = builtin.unrealized_conversion_cast %d17_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %pp18 = llvm.getelementptr %bufs[18] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p18 = llvm.load %pp18 : !llvm.ptr -> !llvm.ptr
    %n18 = llvm.mlir.constant(2 : i64) : i64
    %d18_0 = llvm.insertvalue %p18, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_1 = llvm.insertvalue %p18, %d18_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_2 = llvm.insertvalue %z, %d18_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_3 = llvm.insertvalue %n18, %d18_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d18_4 = llvm.insertvalue %one, %d18_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m18 = builtin.unrealized_conversion_cast %d18_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<2xf32>
    %m19 = memref.alloca() {alignment = 64 : i64} : memref<128xf32>
    %pp20 = llvm.getelementptr %bufs[20] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p20 = llvm.load %pp20 : !llvm.ptr -> !llvm.ptr
    %n20 = llvm.mlir.constant(16 : i64) : i64
    %d20_0 = llvm.insertvalue %p20, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d20_1 = llvm.insertvalue %p20, %d20_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d20_2 = llvm.insertvalue %z, %d20_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d20_3 = llvm.insertvalue %n20, %d20_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d20_4 = llvm.insertvalue %one, %d20_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m20 = builtin.unrealized_conversion_cast %d20_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %m21 = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
    %pp22 = llvm.getelementptr %bufs[22] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p22 = llvm.load %pp22 : !llvm.ptr -> !llvm.ptr
    %n22 = llvm.mlir.constant(16 : i64) : i64
    %d22_0 = llvm.insertvalue %p22, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d22_1 = llvm.insertvalue %p22, %d22_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d22_2 = llvm.insertvalue %z, %d22_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d22_3 = llvm.insertvalue %n22, %d22_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d22_4 = llvm.insertvalue %one, %d22_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m22 = builtin.unrealized_conversion_cast %d22_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %pp23 = llvm.getelementptr %bufs[23] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %p23 = llvm.load %pp23 : !llvm.ptr -> !llvm.ptr
    %n23 = llvm.mlir.constant(16 : i64) : i64
    %d23_0 = llvm.insertvalue %p23, %dundef[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d23_1 = llvm.insertvalue %p23, %d23_0[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d23_2 = llvm.insertvalue %z, %d23_1[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d23_3 = llvm.insertvalue %n23, %d23_2[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %d23_4 = llvm.insertvalue %one, %d23_3[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    %m23 = builtin.unrealized_conversion_cast %d23_4 : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<16xf32>
    %c3 = arith.constant 1 : index
    %c4 = arith.constant 0.00000000e+00 : f32
    %c10 = arith.constant 8 : index
    %c18 = arith.constant 0 : index
    %c22 = arith.constant dense<0.00000000e+00> : vector<8xf32>
    %c35 = arith.constant dense<2.82842708e+00> : vector<8xf32>
    %c89 = arith.constant 64 : index
    %c99 = arith.constant 32 : index
    %c113 = arith.constant 16 : index
    %c121 = arith.constant 24 : index
    %c177 = arith.constant 2 : index
    %c184 = arith.constant 3 : index
    %c191 = arith.constant 4 : index
    %c198 = arith.constant 5 : index
    %c205 = arith.constant 6 : index
    %c212 = arith.constant 7 : index
    %t0 = arith.index_cast %lo : i64 to index
    %t1 = arith.index_cast %hi : i64 to index
    scf.for %i2 = %t0 to %t1 step %c3 {
      memref.store %c4, %m8[%i2] : memref<2xf32>
    }
    %t5 = arith.index_cast %lo : i64 to index
    %t6 = arith.index_cast %hi : i64 to index
    scf.for %i7 = %t5 to %t6 step %c3 {
      %t8 = memref.load %m0[%i7] : memref<2xf32>
      %t9 = vector.broadcast %t8 : f32 to vector<8xf32>
      %t11 = arith.muli %i7, %c10 : index
      %t12 = arith.muli %i7, %c10 : index
      %t13 = arith.muli %i7, %c10 : index
      %t14 = arith.muli %i7, %c10 : index
      %t15 = arith.muli %i7, %c10 : index
      %t16 = arith.muli %i7, %c10 : index
      %t17 = arith.muli %i7, %c10 : index
      %r21 = scf.for %j19 = %c18 to %c10 step %c10 iter_args(%acc20 = %c22) -> (vector<8xf32>) {
        %t23 = arith.addi %t11, %j19 : index
        %t24 = vector.load %m1[%t23] : memref<16xf32>, vector<8xf32>
        %t25 = arith.mulf %t9, %t24 : vector<8xf32>
        %t26 = arith.addi %t12, %j19 : index
        %t27 = vector.load %m2[%t26] : memref<16xf32>, vector<8xf32>
        %t28 = arith.addf %t27, %t25 : vector<8xf32>
        %t29 = arith.addi %t13, %j19 : index
        %t30 = vector.load %m3[%t29] : memref<16xf32>, vector<8xf32>
        %t31 = arith.mulf %t9, %t30 : vector<8xf32>
        %t32 = arith.addi %t14, %j19 : index
        %t33 = vector.load %m4[%t32] : memref<16xf32>, vector<8xf32>
        %t34 = arith.addf %t33, %t31 : vector<8xf32>
        %t36 = arith.divf %t28, %c35 : vector<8xf32>
        %t37 = arith.addi %t15, %j19 : index
        %t38 = vector.load %m5[%t37] : memref<16xf32>, vector<8xf32>
        %t39 = arith.mulf %t34, %t38 : vector<8xf32>
        %t40 = arith.addi %t16, %j19 : index
        vector.store %t34, %m6[%t40] : memref<16xf32>, vector<8xf32>
        %t41 = arith.addi %t17, %j19 : index
        vector.store %t36, %m7[%t41] : memref<16xf32>, vector<8xf32>
        %t42 = math.fma %t34, %t38, %acc20 : vector<8xf32>
        scf.yield %t42 : vector<8xf32>
      }
      %t43 = vector.reduction <add>, %r21 : vector<8xf32> into f32
      %t44 = memref.load %m8[%i7] : memref<2xf32>
      %t45 = arith.addf %t44, %t43 : f32
      memref.store %t45, %m8[%i7] : memref<2xf32>
    }
    %t46 = arith.index_cast %lo : i64 to index
    %t47 = arith.index_cast %hi : i64 to index
    scf.for %i48 = %t46 to %t47 step %c3 {
      memref.store %c4, %m12[%i48] : memref<2xf32>
    }
    %t49 = arith.index_cast %lo : i64 to index
    %t50 = arith.index_cast %hi : i64 to index
    scf.for %i51 = %t49 to %t50 step %c3 {
      %t52 = arith.muli %i51, %c10 : index
      %t53 = memref.load %m9[%i51] : memref<2xf32>
      %t54 = vector.broadcast %t53 : f32 to vector<8xf32>
      %t55 = arith.muli %i51, %c10 : index
      %t56 = arith.muli %i51, %c10 : index
      %r59 = scf.for %j57 = %c18 to %c10 step %c10 iter_args(%acc58 = %c22) -> (vector<8xf32>) {
        %t60 = arith.addi %t52, %j57 : index
        %t61 = vector.load %m6[%t60] : memref<16xf32>, vector<8xf32>
        %t62 = arith.mulf %t61, %t54 : vector<8xf32>
        %t63 = arith.addi %t55, %j57 : index
        %t64 = vector.load %m10[%t63] : memref<16xf32>, vector<8xf32>
        %t65 = arith.mulf %t61, %t64 : vector<8xf32>
        %t66 = arith.addi %t56, %j57 : index
        vector.store %t62, %m11[%t66] : memref<16xf32>, vector<8xf32>
        %t67 = math.fma %t61, %t64, %acc58 : vector<8xf32>
        scf.yield %t67 : vector<8xf32>
      }
      %t68 = vector.reduction <add>, %r59 : vector<8xf32> into f32
      %t69 = memref.load %m12[%i51] : memref<2xf32>
      %t70 = arith.addf %t69, %t68 : f32
      memref.store %t70, %m12[%i51] : memref<2xf32>
    }
    %t71 = arith.index_cast %lo : i64 to index
    %t72 = arith.index_cast %hi : i64 to index
    scf.for %i73 = %t71 to %t72 step %c3 {
      %t74 = arith.muli %i73, %c10 : index
      %t75 = memref.load %m13[%i73] : memref<2xf32>
      %t76 = vector.broadcast %t75 : f32 to vector<8xf32>
      %t77 = arith.muli %i73, %c10 : index
      scf.for %j78 = %c18 to %c10 step %c10 {
        %t79 = arith.addi %t74, %j78 : index
        %t80 = vector.load %m6[%t79] : memref<16xf32>, vector<8xf32>
        %t81 = arith.mulf %t80, %t76 : vector<8xf32>
        %t82 = arith.addi %t77, %j78 : index
        vector.store %t81, %m14[%t82] : memref<16xf32>, vector<8xf32>
      }
    }
    %t83 = arith.index_cast %lo : i64 to index
    %t84 = arith.index_cast %hi : i64 to index
    scf.for %i85 = %t83 to %t84 step %c3 {
      memref.store %c4, %m17[%i85] : memref<2xf32>
    }
    %t86 = arith.index_cast %lo : i64 to index
    %t87 = arith.index_cast %hi : i64 to index
    scf.for %i88 = %t86 to %t87 step %c3 {
      %t90 = arith.muli %i88, %c89 : index
      %t91 = arith.muli %i88, %c89 : index
      %r94:4 = scf.for %j93 = %c18 to %c89 step %c99 iter_args(%acc95 = %c22, %acc96 = %c22, %acc97 = %c22, %acc98 = %c22) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
        %t100 = arith.addi %t90, %j93 : index
        %t101 = vector.load %m15[%t100] : memref<128xf32>, vector<8xf32>
        %t102 = arith.addi %t91, %j93 : index
        %t103 = vector.load %m16[%t102] : memref<128xf32>, vector<8xf32>
        %t104 = arith.mulf %t101, %t103 : vector<8xf32>
        %t105 = math.fma %t101, %t103, %acc95 : vector<8xf32>
        %t106 = arith.addi %j93, %c10 : index
        %t107 = arith.addi %t90, %t106 : index
        %t108 = vector.load %m15[%t107] : memref<128xf32>, vector<8xf32>
        %t109 = arith.addi %t91, %t106 : index
        %t110 = vector.load %m16[%t109] : memref<128xf32>, vector<8xf32>
        %t111 = arith.mulf %t108, %t110 : vector<8xf32>
        %t112 = math.fma %t108, %t110, %acc96 : vector<8xf32>
        %t114 = arith.addi %j93, %c113 : index
        %t115 = arith.addi %t90, %t114 : index
        %t116 = vector.load %m15[%t115] : memref<128xf32>, vector<8xf32>
        %t117 = arith.addi %t91, %t114 : index
        %t118 = vector.load %m16[%t117] : memref<128xf32>, vector<8xf32>
        %t119 = arith.mulf %t116, %t118 : vector<8xf32>
        %t120 = math.fma %t116, %t118, %acc97 : vector<8xf32>
        %t122 = arith.addi %j93, %c121 : index
        %t123 = arith.addi %t90, %t122 : index
        %t124 = vector.load %m15[%t123] : memref<128xf32>, vector<8xf32>
        %t125 = arith.addi %t91, %t122 : index
        %t126 = vector.load %m16[%t125] : memref<128xf32>, vector<8xf32>
        %t127 = arith.mulf %t124, %t126 : vector<8xf32>
        %t128 = math.fma %t124, %t126, %acc98 : vector<8xf32>
        scf.yield %t105, %t112, %t120, %t128 : vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>
      }
      %t129 = arith.addf %r94#0, %r94#1 : vector<8xf32>
      %t130 = arith.addf %r94#2, %r94#3 : vector<8xf32>
      %t131 = arith.addf %t129, %t130 : vector<8xf32>
      %r133 = scf.for %j92 = %c89 to %c89 step %c10 iter_args(%acc132 = %t131) -> (vector<8xf32>) {
        %t134 = arith.addi %t90, %j92 : index
        %t135 = vector.load %m15[%t134] : memref<128xf32>, vector<8xf32>
        %t136 = arith.addi %t91, %j92 : index
        %t137 = vector.load %m16[%t136] : memref<128xf32>, vector<8xf32>
        %t138 = arith.mulf %t135, %t137 : vector<8xf32>
        %t139 = math.fma %t135, %t137, %acc132 : vector<8xf32>
        scf.yield %t139 : vector<8xf32>
      }
      %t140 = vector.reduction <add>, %r133 : vector<8xf32> into f32
      %t141 = memref.load %m17[%i88] : memref<2xf32>
      %t142 = arith.addf %t141, %t140 : f32
      memref.store %t142, %m17[%i88] : memref<2xf32>
    }
    %t143 = arith.index_cast %lo : i64 to index
    %t144 = arith.index_cast %hi : i64 to index
    scf.for %i145 = %t143 to %t144 step %c3 {
      %t146 = arith.muli %i145, %c89 : index
      %t147 = memref.load %m18[%i145] : memref<2xf32>
      %t148 = vector.broadcast %t147 : f32 to vector<8xf32>
      %t149 = arith.muli %i145, %c89 : index
      scf.for %j150 = %c18 to %c89 step %c10 {
        %t151 = arith.addi %t146, %j150 : index
        %t152 = vector.load %m15[%t151] : memref<128xf32>, vector<8xf32>
        %t153 = arith.mulf %t152, %t148 : vector<8xf32>
        %t154 = arith.addi %t149, %j150 : index
        vector.store %t153, %m19[%t154] : memref<128xf32>, vector<8xf32>
      }
    }
    %t155 = arith.index_cast %lo : i64 to index
    %t156 = arith.index_cast %hi : i64 to index
    scf.for %i157 = %t155 to %t156 step %c3 {
      %t158 = arith.muli %i157, %c10 : index
      scf.for %j159 = %c18 to %c10 step %c10 {
        %t160 = arith.addi %t158, %j159 : index
        vector.store %c22, %m21[%t160] : memref<16xf32>, vector<8xf32>
      }
    }
    %t161 = arith.index_cast %lo : i64 to index
    %t162 = arith.index_cast %hi : i64 to index
    scf.for %i163 = %t161 to %t162 step %c3 {
      scf.for %i164 = %c18 to %c10 step %c10 {
        %t165 = arith.muli %i163, %c89 : index
        %t166 = arith.muli %i164, %c10 : index
        %t167 = arith.addi %t165, %t166 : index
        %t168 = arith.muli %i163, %c10 : index
        %t169 = arith.muli %i163, %c10 : index
        %t170 = arith.addi %t169, %i164 : index
        %t171 = arith.addi %i164, %c3 : index
        %t172 = arith.muli %i163, %c89 : index
        %t173 = arith.muli %t171, %c10 : index
        %t174 = arith.addi %t172, %t173 : index
        %t175 = arith.muli %i163, %c10 : index
        %t176 = arith.addi %t175, %t171 : index
        %t178 = arith.addi %i164, %c177 : index
        %t179 = arith.muli %i163, %c89 : index
        %t180 = arith.muli %t178, %c10 : index
        %t181 = arith.addi %t179, %t180 : index
        %t182 = arith.muli %i163, %c10 : index
        %t183 = arith.addi %t182, %t178 : index
        %t185 = arith.addi %i164, %c184 : index
        %t186 = arith.muli %i163, %c89 : index
        %t187 = arith.muli %t185, %c10 : index
        %t188 = arith.addi %t186, %t187 : index
        %t189 = arith.muli %i163, %c10 : index
        %t190 = arith.addi %t189, %t185 : index
        %t192 = arith.addi %i164, %c191 : index
        %t193 = arith.muli %i163, %c89 : index
        %t194 = arith.muli %t192, %c10 : index
        %t195 = arith.addi %t193, %t194 : index
        %t196 = arith.muli %i163, %c10 : index
        %t197 = arith.addi %t196, %t192 : index
        %t199 = arith.addi %i164, %c198 : index
        %t200 = arith.muli %i163, %c89 : index
        %t201 = arith.muli %t199, %c10 : index
        %t202 = arith.addi %t200, %t201 : index
        %t203 = arith.muli %i163, %c10 : index
        %t204 = arith.addi %t203, %t199 : index
        %t206 = arith.addi %i164, %c205 : index
        %t207 = arith.muli %i163, %c89 : index
        %t208 = arith.muli %t206, %c10 : index
        %t209 = arith.addi %t207, %t208 : index
        %t210 = arith.muli %i163, %c10 : index
        %t211 = arith.addi %t210, %t206 : index
        %t213 = arith.addi %i164, %c212 : index
        %t214 = arith.muli %i163, %c89 : index
        %t215 = arith.muli %t213, %c10 : index
        %t216 = arith.addi %t214, %t215 : index
        %t217 = arith.muli %i163, %c10 : index
        %t218 = arith.addi %t217, %t213 : index
        %r220:8 = scf.for %j219 = %c18 to %c10 step %c10 iter_args(%acc221 = %c22, %acc222 = %c22, %acc223 = %c22, %acc224 = %c22, %acc225 = %c22, %acc226 = %c22, %acc227 = %c22, %acc228 = %c22) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
          %t229 = arith.addi %t167, %j219 : index
          %t230 = vector.load %m19[%t229] : memref<128xf32>, vector<8xf32>
          %t231 = arith.addi %t168, %j219 : index
          %t232 = vector.load %m20[%t231] : memref<16xf32>, vector<8xf32>
          %t233 = arith.mulf %t230, %t232 : vector<8xf32>
          %t234 = math.fma %t230, %t232, %acc221 : vector<8xf32>
          %t235 = arith.addi %t174, %j219 : index
          %t236 = vector.load %m19[%t235] : memref<128xf32>, vector<8xf32>
          %t237 = arith.addi %t168, %j219 : index
          %t238 = vector.load %m20[%t237] : memref<16xf32>, vector<8xf32>
          %t239 = arith.mulf %t236, %t238 : vector<8xf32>
          %t240 = math.fma %t236, %t238, %acc222 : vector<8xf32>
          %t241 = arith.addi %t181, %j219 : index
          %t242 = vector.load %m19[%t241] : memref<128xf32>, vector<8xf32>
          %t243 = arith.addi %t168, %j219 : index
          %t244 = vector.load %m20[%t243] : memref<16xf32>, vector<8xf32>
          %t245 = arith.mulf %t242, %t244 : vector<8xf32>
          %t246 = math.fma %t242, %t244, %acc223 : vector<8xf32>
          %t247 = arith.addi %t188, %j219 : index
          %t248 = vector.load %m19[%t247] : memref<128xf32>, vector<8xf32>
          %t249 = arith.addi %t168, %j219 : index
          %t250 = vector.load %m20[%t249] : memref<16xf32>, vector<8xf32>
          %t251 = arith.mulf %t248, %t250 : vector<8xf32>
          %t252 = math.fma %t248, %t250, %acc224 : vector<8xf32>
          %t253 = arith.addi %t195, %j219 : index
          %t254 = vector.load %m19[%t253] : memref<128xf32>, vector<8xf32>
          %t255 = arith.addi %t168, %j219 : index
          %t256 = vector.load %m20[%t255] : memref<16xf32>, vector<8xf32>
          %t257 = arith.mulf %t254, %t256 : vector<8xf32>
          %t258 = math.fma %t254, %t256, %acc225 : vector<8xf32>
          %t259 = arith.addi %t202, %j219 : index
          %t260 = vector.load %m19[%t259] : memref<128xf32>, vector<8xf32>
          %t261 = arith.addi %t168, %j219 : index
          %t262 = vector.load %m20[%t261] : memref<16xf32>, vector<8xf32>
          %t263 = arith.mulf %t260, %t262 : vector<8xf32>
          %t264 = math.fma %t260, %t262, %acc226 : vector<8xf32>
          %t265 = arith.addi %t209, %j219 : index
          %t266 = vector.load %m19[%t265] : memref<128xf32>, vector<8xf32>
          %t267 = arith.addi %t168, %j219 : index
          %t268 = vector.load %m20[%t267] : memref<16xf32>, vector<8xf32>
          %t269 = arith.mulf %t266, %t268 : vector<8xf32>
          %t270 = math.fma %t266, %t268, %acc227 : vector<8xf32>
          %t271 = arith.addi %t216, %j219 : index
          %t272 = vector.load %m19[%t271] : memref<128xf32>, vector<8xf32>
          %t273 = arith.addi %t168, %j219 : index
          %t274 = vector.load %m20[%t273] : memref<16xf32>, vector<8xf32>
          %t275 = arith.mulf %t272, %t274 : vector<8xf32>
          %t276 = math.fma %t272, %t274, %acc228 : vector<8xf32>
          scf.yield %t234, %t240, %t246, %t252, %t258, %t264, %t270, %t276 : vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>
        }
        %t277 = vector.shuffle %r220#0, %r220#1 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
        %t278 = vector.shuffle %r220#0, %r220#1 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
        %t279 = arith.addf %t277, %t278 : vector<8xf32>
        %t280 = vector.shuffle %r220#2, %r220#3 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
        %t281 = vector.shuffle %r220#2, %r220#3 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
        %t282 = arith.addf %t280, %t281 : vector<8xf32>
        %t283 = vector.shuffle %r220#4, %r220#5 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
        %t284 = vector.shuffle %r220#4, %r220#5 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
        %t285 = arith.addf %t283, %t284 : vector<8xf32>
        %t286 = vector.shuffle %r220#6, %r220#7 [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xf32>, vector<8xf32>
        %t287 = vector.shuffle %r220#6, %r220#7 [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xf32>, vector<8xf32>
        %t288 = arith.addf %t286, %t287 : vector<8xf32>
        %t289 = vector.shuffle %t279, %t282 [0, 1, 8, 9, 4, 5, 12, 13] : vector<8xf32>, vector<8xf32>
        %t290 = vector.shuffle %t279, %t282 [2, 3, 10, 11, 6, 7, 14, 15] : vector<8xf32>, vector<8xf32>
        %t291 = arith.addf %t289, %t290 : vector<8xf32>
        %t292 = vector.shuffle %t285, %t288 [0, 1, 8, 9, 4, 5, 12, 13] : vector<8xf32>, vector<8xf32>
        %t293 = vector.shuffle %t285, %t288 [2, 3, 10, 11, 6, 7, 14, 15] : vector<8xf32>, vector<8xf32>
        %t294 = arith.addf %t292, %t293 : vector<8xf32>
        %t295 = vector.shuffle %t291, %t294 [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xf32>, vector<8xf32>
        %t296 = vector.shuffle %t291, %t294 [4, 5, 6, 7, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
        %t297 = arith.addf %t295, %t296 : vector<8xf32>
        %t298 = vector.load %m21[%t170] : memref<16xf32>, vector<8xf32>
        %t299 = arith.addf %t298, %t297 : vector<8xf32>
        vector.store %t299, %m21[%t170] : memref<16xf32>, vector<8xf32>
      }
    }
    %t300 = arith.index_cast %lo : i64 to index
    %t301 = arith.index_cast %hi : i64 to index
    %t302 = arith.muli %t300, %c10 : index
    %t303 = arith.muli %t301, %c10 : index
    %t304 = arith.subi %t303, %t302 : index
    %t305 = arith.divui %t304, %c10 : index
    %t306 = arith.muli %t305, %c10 : index
    %t307 = arith.addi %t302, %t306 : index
    scf.for %j308 = %t302 to %t307 step %c10 {
      %t309 = arith.addi %c18, %j308 : index
      %t310 = vector.load %m11[%t309] : memref<16xf32>, vector<8xf32>
      %t311 = arith.addi %c18, %j308 : index
      %t312 = vector.load %m21[%t311] : memref<16xf32>, vector<8xf32>
      %t313 = arith.addf %t310, %t312 : vector<8xf32>
      %t314 = arith.addi %c18, %j308 : index
      vector.store %t313, %m22[%t314] : memref<16xf32>, vector<8xf32>
    }
    scf.for %j315 = %t307 to %t303 step %c3 {
      %t316 = arith.addi %c18, %j315 : index
      %t317 = memref.load %m11[%t316] : memref<16xf32>
      %t318 = arith.addi %c18, %j315 : index
      %t319 = memref.load %m21[%t318] : memref<16xf32>
      %t320 = arith.addf %t317, %t319 : f32
      %t321 = arith.addi %c18, %j315 : index
      memref.store %t320, %m22[%t321] : memref<16xf32>
    }
    %t322 = arith.index_cast %lo : i64 to index
    %t323 = arith.index_cast %hi : i64 to index
    scf.for %i324 = %t322 to %t323 step %c3 {
      scf.for %j325 = %c18 to %c10 step %c10 {
        %r326 = scf.for %i328 = %c18 to %c10 step %c3 iter_args(%acc327 = %c22) -> (vector<8xf32>) {
          %t329 = arith.muli %i324, %c89 : index
          %t330 = arith.muli %i328, %c10 : index
          %t331 = arith.addi %t329, %t330 : index
          %t332 = arith.muli %i324, %c10 : index
          %t333 = arith.addi %t332, %i328 : index
          %t334 = memref.load %m5[%t333] : memref<16xf32>
          %t335 = vector.broadcast %t334 : f32 to vector<8xf32>
          %t336 = arith.muli %i324, %c10 : index
          %t337 = arith.addi %t331, %j325 : index
          %t338 = vector.load %m19[%t337] : memref<128xf32>, vector<8xf32>
          %t339 = arith.mulf %t338, %t335 : vector<8xf32>
          %t340 = math.fma %t338, %t335, %acc327 : vector<8xf32>
          scf.yield %t340 : vector<8xf32>
        }
        %t341 = arith.muli %i324, %c10 : index
        %t342 = arith.addi %t341, %j325 : index
        vector.store %r326, %m23[%t342] : memref<16xf32>, vector<8xf32>
      }
    }
    return
  }
}
