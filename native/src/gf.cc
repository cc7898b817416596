// GF(2^8) tables, CPU feature detection, coefficient expansion and the
// cache-blocked driver that runs a level's group kernel over all output rows.
#include "gf.h"

#include <string.h>

#if RS_X86
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace rs {

uint8_t gf_mul_table[256][256];

static bool build_tables() {
  uint8_t exp[512];
  int log[256];
  int x = 1;
  for (int i = 0; i < 255; i++) {
    exp[i] = (uint8_t)x;
    log[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11D;
  }
  for (int i = 255; i < 512; i++) exp[i] = exp[i - 255];
  for (int a = 0; a < 256; a++)
    for (int b = 0; b < 256; b++)
      gf_mul_table[a][b] = (a && b) ? exp[log[a] + log[b]] : 0;
  return true;
}

void gf_init() {
  // C++11 guarantees one thread-safe initialization, even when the addon is
  // loaded by several worker threads at once.
  static const bool done = build_tables();
  (void)done;
}

static const char* const kNames[kLevelCount] = {
    "scalar", "ssse3", "avx2", "gfni256", "avx512", "gfni512", "neon"};

const char* level_name(uint32_t level) {
  return level < kLevelCount ? kNames[level] : "unknown";
}

uint32_t level_from_name(const char* name) {
  for (uint32_t i = 0; i < kLevelCount; i++)
    if (strcmp(name, kNames[i]) == 0) return i;
  return kLevelCount;
}

#if RS_X86
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
#if defined(_MSC_VER)
  int v[4];
  __cpuidex(v, (int)leaf, (int)sub);
  for (int i = 0; i < 4; i++) r[i] = (uint32_t)v[i];
#else
  r[0] = r[1] = r[2] = r[3] = 0;
  __get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
#endif
}

static uint64_t xgetbv0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
#endif
}

// Bit set of supported levels, computed once.
static uint32_t detect() {
  uint32_t r1[4], r7[4], r0[4];
  cpuid(0, 0, r0);
  cpuid(1, 0, r1);
  bool ssse3 = r1[2] & (1u << 9);
  bool osxsave = r1[2] & (1u << 27);
  bool avx = r1[2] & (1u << 28);
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool os_avx = (xcr0 & 0x6) == 0x6;          // XMM + YMM state
  bool os_avx512 = (xcr0 & 0xE6) == 0xE6;     // + opmask, ZMM_Hi256, Hi16_ZMM
  bool avx2 = false, avx512f = false, avx512bw = false, gfni = false;
  if (r0[0] >= 7) {
    cpuid(7, 0, r7);
    avx2 = r7[1] & (1u << 5);
    avx512f = r7[1] & (1u << 16);
    avx512bw = r7[1] & (1u << 30);
    gfni = r7[2] & (1u << 8);
  }
  uint32_t bits = 1u << kScalar;
  if (ssse3) bits |= 1u << kSsse3;
  if (avx && avx2 && os_avx) bits |= 1u << kAvx2;
  if (avx && avx2 && os_avx && gfni) bits |= 1u << kGfni256;
  if (avx512f && avx512bw && os_avx512) bits |= 1u << kAvx512;
  if (avx512f && avx512bw && os_avx512 && gfni) bits |= 1u << kGfni512;
  return bits;
}
#else
static uint32_t detect() { return (1u << kScalar) | (RS_NEON ? 1u << kNeon : 0u); }
#endif

bool cpu_supports(uint32_t level) {
  static uint32_t bits = detect();
  return level < kLevelCount && (bits & (1u << level));
}

size_t table_bytes_per_coeff(uint32_t level) {
  switch (level) {
    case kGfni256:
    case kGfni512: return 8;
    case kSsse3:
    case kAvx2:
    case kAvx512:
    case kNeon: return 32;
    default: return 0;
  }
}

uint64_t gfni_matrix(uint8_t c) {
  // Output bit i of c*x is the parity of (row_i & x), where bit j of row_i is
  // bit i of c*2^j. vgf2p8affineqb takes row_i from byte (7 - i) of the qword.
  uint64_t m = 0;
  for (int i = 0; i < 8; i++) {
    uint8_t row = 0;
    for (int j = 0; j < 8; j++)
      if (gf_mul(c, (uint8_t)(1u << j)) & (1u << i)) row |= (uint8_t)(1u << j);
    m |= (uint64_t)row << (8 * (7 - i));
  }
  return m;
}

void expand_coeff(uint32_t level, uint8_t c, uint8_t* dst) {
  if (level == kGfni256 || level == kGfni512) {
    uint64_t m = gfni_matrix(c);
    memcpy(dst, &m, 8);
  } else if (table_bytes_per_coeff(level) == 32) {
    for (int n = 0; n < 16; n++) {
      dst[n] = gf_mul(c, (uint8_t)n);              // low-nibble products
      dst[16 + n] = gf_mul(c, (uint8_t)(n << 4));  // high-nibble products
    }
  }
}

void apply_scalar_range(const uint8_t* coeffs, int rows, int cols,
                        const uint8_t* const* in, uint8_t* const* out,
                        size_t start, size_t end) {
  const size_t kBlock = 4096;
  for (size_t s = start; s < end; s += kBlock) {
    size_t e = end - s < kBlock ? end : s + kBlock;
    for (int r = 0; r < rows; r++) {
      uint8_t* o = out[r];
      const uint8_t* t0 = gf_mul_table[coeffs[r * cols]];
      const uint8_t* i0 = in[0];
      for (size_t i = s; i < e; i++) o[i] = t0[i0[i]];
      for (int c = 1; c < cols; c++) {
        uint8_t k = coeffs[r * cols + c];
        const uint8_t* ic = in[c];
        if (k == 0) continue;
        if (k == 1) {
          for (size_t i = s; i < e; i++) o[i] ^= ic[i];
        } else {
          const uint8_t* t = gf_mul_table[k];
          for (size_t i = s; i < e; i++) o[i] ^= t[ic[i]];
        }
      }
    }
  }
}

static LevelKernel kernel_for(uint32_t level) {
  switch (level) {
    case kSsse3: return kernel_ssse3();
    case kAvx2: return kernel_avx2();
    case kGfni256: return kernel_gfni256();
    case kAvx512: return kernel_avx512();
    case kGfni512: return kernel_gfni512();
    case kNeon: return kernel_neon();
    default: return LevelKernel{nullptr, 1, 1};
  }
}

// Bytes of each input processed per block: keep the block's inputs (cols x
// block) around 64-256 KiB so later row groups re-read them from L1/L2.
static size_t block_bytes(int cols, int width) {
  size_t b = (size_t)(128 * 1024) / (size_t)cols;
  if (b > 16384) b = 16384;
  if (b < 1024) b = 1024;
  return b - b % (size_t)width;
}

void apply(uint32_t level, const uint8_t* coeffs, const uint8_t* tables,
           int rows, int cols, const uint8_t* const* in, uint8_t* const* out,
           size_t len) {
  LevelKernel k = kernel_for(level);
  if (k.group == nullptr || len < (size_t)k.width) {
    apply_scalar_range(coeffs, rows, cols, in, out, 0, len);
    return;
  }
  const size_t vec = len - len % (size_t)k.width;
  const size_t block = block_bytes(cols, k.width);
  const int groups = (rows + k.max_group - 1) / k.max_group;
  const int g = (rows + groups - 1) / groups;  // balanced group size
  const size_t tb = table_bytes_per_coeff(level);
  for (size_t s = 0; s < vec; s += block) {
    size_t e = vec - s < block ? vec : s + block;
    for (int r0 = 0; r0 < rows; r0 += g) {
      int gg = rows - r0 < g ? rows - r0 : g;
      k.group(tables + (size_t)r0 * tb, rows, gg, cols, in, out + r0, s, e);
    }
  }
  if (vec < len) apply_scalar_range(coeffs, rows, cols, in, out, vec, len);
}

}  // namespace rs
