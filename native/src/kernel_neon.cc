// aarch64 NEON split-nibble kernel: c*x = T_lo[x & 15] ^ T_hi[x >> 4], each
// lookup one tbl instruction (vqtbl1q_u8), G output rows kept in registers.
#include "kernel_util.h"

#if RS_NEON
#include <arm_neon.h>
#endif

namespace rs {
#if RS_NEON
namespace {

template <int G>
void group_neon(RS_GROUP_ARGS) {
  (void)g;
  const uint8x16_t mask = vdupq_n_u8(0x0f);
  for (size_t i = start; i < end; i += 16) {
    uint8x16_t acc[G];
    for (int r = 0; r < G; r++) acc[r] = vdupq_n_u8(0);
    for (int c = 0; c < cols; c++) {
      const uint8_t* t = tables + (size_t)c * rows * 32;
      uint8x16_t x = vld1q_u8(in[c] + i);
      uint8x16_t lo = vandq_u8(x, mask);
      uint8x16_t hi = vshrq_n_u8(x, 4);
      for (int r = 0; r < G; r++) {
        uint8x16_t p = veorq_u8(vqtbl1q_u8(vld1q_u8(t + r * 32), lo),
                                vqtbl1q_u8(vld1q_u8(t + r * 32 + 16), hi));
        acc[r] = veorq_u8(acc[r], p);
      }
    }
    for (int r = 0; r < G; r++) vst1q_u8(out[r] + i, acc[r]);
  }
}

void dispatch_neon(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_16(group_neon) default: break; }
}

}  // namespace

LevelKernel kernel_neon() { return LevelKernel{dispatch_neon, 16, 16}; }
#else
LevelKernel kernel_neon() { return LevelKernel{nullptr, 1, 1}; }
#endif
}  // namespace rs
