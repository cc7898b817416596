// Split-nibble kernels (SSSE3 / AVX2 / AVX-512BW): c*x = T_lo[x & 15] ^
// T_hi[x >> 4], each table lookup being one byte shuffle. The nibbles of an
// input vector are split once and reused for all G output rows of the group.
#include "kernel_util.h"

namespace rs {
#if RS_X86
namespace {

#define TS3 RS_TARGET("ssse3")
#define TA2 RS_TARGET("avx,avx2")
#define TA5 RS_TARGET("avx512f,avx512bw")

template <int G>
TS3 void group_ssse3(RS_GROUP_ARGS) {
  (void)g;
  const __m128i mask = _mm_set1_epi8(0x0f);
  for (size_t i = start; i < end; i += 16) {
    __m128i acc[G];
    for (int r = 0; r < G; r++) acc[r] = _mm_setzero_si128();
    for (int c = 0; c < cols; c++) {
      const uint8_t* t = tables + (size_t)c * rows * 32;
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[c] + i));
      __m128i lo = _mm_and_si128(x, mask);
      __m128i hi = _mm_and_si128(_mm_srli_epi64(x, 4), mask);
      for (int r = 0; r < G; r++) {
        __m128i tl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32));
        __m128i th = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32 + 16));
        acc[r] = _mm_xor_si128(acc[r], _mm_xor_si128(_mm_shuffle_epi8(tl, lo),
                                                     _mm_shuffle_epi8(th, hi)));
      }
    }
    for (int r = 0; r < G; r++)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out[r] + i), acc[r]);
  }
}

TS3 void dispatch_ssse3(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_8(group_ssse3) default: break; }
}

template <int G>
TA2 void group_avx2(RS_GROUP_ARGS) {
  (void)g;
  const __m256i mask = _mm256_set1_epi8(0x0f);
  for (size_t i = start; i < end; i += 32) {
    __m256i acc[G];
    for (int r = 0; r < G; r++) acc[r] = _mm256_setzero_si256();
    for (int c = 0; c < cols; c++) {
      const uint8_t* t = tables + (size_t)c * rows * 32;
      __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[c] + i));
      __m256i lo = _mm256_and_si256(x, mask);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi64(x, 4), mask);
      for (int r = 0; r < G; r++) {
        __m256i tl = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32)));
        __m256i th = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32 + 16)));
        acc[r] = _mm256_xor_si256(acc[r], _mm256_xor_si256(_mm256_shuffle_epi8(tl, lo),
                                                           _mm256_shuffle_epi8(th, hi)));
      }
    }
    for (int r = 0; r < G; r++)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[r] + i), acc[r]);
  }
}

TA2 void dispatch_avx2(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_8(group_avx2) default: break; }
}

template <int G>
TA5 void group_avx512(RS_GROUP_ARGS) {
  (void)g;
  const __m512i mask = _mm512_set1_epi8(0x0f);
  for (size_t i = start; i < end; i += 64) {
    __m512i acc[G];
    for (int r = 0; r < G; r++) acc[r] = _mm512_setzero_si512();
    for (int c = 0; c < cols; c++) {
      const uint8_t* t = tables + (size_t)c * rows * 32;
      __m512i x = _mm512_loadu_si512(in[c] + i);
      __m512i lo = _mm512_and_si512(x, mask);
      __m512i hi = _mm512_and_si512(_mm512_srli_epi64(x, 4), mask);
      for (int r = 0; r < G; r++) {
        __m512i tl = _mm512_broadcast_i32x4(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32)));
        __m512i th = _mm512_broadcast_i32x4(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + r * 32 + 16)));
        acc[r] = _mm512_ternarylogic_epi64(acc[r], _mm512_shuffle_epi8(tl, lo),
                                           _mm512_shuffle_epi8(th, hi), 0x96);
      }
    }
    for (int r = 0; r < G; r++) _mm512_storeu_si512(out[r] + i, acc[r]);
  }
}

TA5 void dispatch_avx512(RS_GROUP_ARGS) {
  switch (g) { RS_CASES_16(group_avx512) default: break; }
}

}  // namespace

LevelKernel kernel_ssse3() { return LevelKernel{dispatch_ssse3, 16, 8}; }
LevelKernel kernel_avx2() { return LevelKernel{dispatch_avx2, 32, 8}; }
LevelKernel kernel_avx512() { return LevelKernel{dispatch_avx512, 64, 16}; }
#else
LevelKernel kernel_ssse3() { return LevelKernel{nullptr, 1, 1}; }
LevelKernel kernel_avx2() { return LevelKernel{nullptr, 1, 1}; }
LevelKernel kernel_avx512() { return LevelKernel{nullptr, 1, 1}; }
#endif
}  // namespace rs
