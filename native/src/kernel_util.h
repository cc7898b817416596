// Helpers shared by the x86 kernel files: target attributes and the switch
// that turns a run-time group size into a template instantiation.
#ifndef BTFS_RS_KERNEL_UTIL_H
#define BTFS_RS_KERNEL_UTIL_H

#include "gf.h"

#if RS_X86
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 false positive inside its own avx512fintrin.h (_mm512_undefined_*).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(_MSC_VER) && !defined(__clang__)
#define RS_TARGET(x)  // MSVC: every intrinsic is available without flags
#else
#define RS_TARGET(x) __attribute__((target(x)))
#endif
#endif

#define RS_GROUP_ARGS                                                   \
  const uint8_t *tables, int rows, int g, int cols,                     \
      const uint8_t *const *in, uint8_t *const *out, size_t start, size_t end
#define RS_GROUP_PASS tables, rows, g, cols, in, out, start, end

#define RS_CASE(fn, n) \
  case n: fn<n>(RS_GROUP_PASS); break;
#define RS_CASES_8(fn)                                                   \
  RS_CASE(fn, 1) RS_CASE(fn, 2) RS_CASE(fn, 3) RS_CASE(fn, 4)            \
  RS_CASE(fn, 5) RS_CASE(fn, 6) RS_CASE(fn, 7) RS_CASE(fn, 8)
#define RS_CASES_12(fn) RS_CASES_8(fn)                                   \
  RS_CASE(fn, 9) RS_CASE(fn, 10) RS_CASE(fn, 11) RS_CASE(fn, 12)
#define RS_CASES_16(fn) RS_CASES_12(fn)                                  \
  RS_CASE(fn, 13) RS_CASE(fn, 14) RS_CASE(fn, 15) RS_CASE(fn, 16)

#endif
