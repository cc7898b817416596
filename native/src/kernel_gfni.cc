// GFNI kernels: one vgf2p8affineqb per (input, output, vector) multiplies a
// whole vector by a constant. Accumulators for G output rows stay in
// registers while every input is streamed once per vector position.
#include "kernel_util.h"

namespace rs {
#if RS_X86
namespace {

#define T512 RS_TARGET("avx512f,avx512bw,gfni")
#define T256 RS_TARGET("avx,avx2,gfni")

template <int G>
T512 void group512(RS_GROUP_ARGS) {
  (void)g;
  const uint64_t* m = reinterpret_cast<const uint64_t*>(tables);
  for (size_t i = start; i < end; i += 64) {
    __m512i acc[G];
    for (int r = 0; r < G; r++) acc[r] = _mm512_setzero_si512();
    int c = 0;
    for (; c + 1 < cols; c += 2) {
      const uint64_t* m0 = m + (size_t)c * rows;
      const uint64_t* m1 = m0 + rows;
      __m512i x0 = _mm512_loadu_si512(in[c] + i);
      __m512i x1 = _mm512_loadu_si512(in[c + 1] + i);
      for (int r = 0; r < G; r++) {
        __m512i p0 = _mm512_gf2p8affine_epi64_epi8(x0, _mm512_set1_epi64((long long)m0[r]), 0);
        __m512i p1 = _mm512_gf2p8affine_epi64_epi8(x1, _mm512_set1_epi64((long long)m1[r]), 0);
        acc[r] = _mm512_ternarylogic_epi64(acc[r], p0, p1, 0x96);  // 3-way XOR
      }
    }
    if (c < cols) {
      const uint64_t* m0 = m + (size_t)c * rows;
      __m512i x0 = _mm512_loadu_si512(in[c] + i);
      for (int r = 0; r < G; r++)
        acc[r] = _mm512_xor_si512(
            acc[r], _mm512_gf2p8affine_epi64_epi8(x0, _mm512_set1_epi64((long long)m0[r]), 0));
    }
    for (int r = 0; r < G; r++) _mm512_storeu_si512(out[r] + i, acc[r]);
  }
}

T512 void dispatch512(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_16(group512) default: break; }
}

template <int G>
T256 void group256(RS_GROUP_ARGS) {
  (void)g;
  const uint64_t* m = reinterpret_cast<const uint64_t*>(tables);
  for (size_t i = start; i < end; i += 32) {
    __m256i acc[G];
    for (int r = 0; r < G; r++) acc[r] = _mm256_setzero_si256();
    for (int c = 0; c < cols; c++) {
      const uint64_t* mc = m + (size_t)c * rows;
      __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[c] + i));
      for (int r = 0; r < G; r++)
        acc[r] = _mm256_xor_si256(
            acc[r], _mm256_gf2p8affine_epi64_epi8(x, _mm256_set1_epi64x((long long)mc[r]), 0));
    }
    for (int r = 0; r < G; r++)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[r] + i), acc[r]);
  }
}

T256 void dispatch256(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_12(group256) default: break; }
}

}  // namespace

LevelKernel kernel_gfni512() { return LevelKernel{dispatch512, 64, 16}; }
LevelKernel kernel_gfni256() { return LevelKernel{dispatch256, 32, 12}; }
#else
LevelKernel kernel_gfni512() { return LevelKernel{nullptr, 1, 1}; }
LevelKernel kernel_gfni256() { return LevelKernel{nullptr, 1, 1}; }
#endif
}  // namespace rs
