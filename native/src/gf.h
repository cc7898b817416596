// GF(2^8) arithmetic (polynomial 0x11D) and the level-independent kernel plumbing.
#ifndef BTFS_RS_GF_H
#define BTFS_RS_GF_H

#include <stddef.h>
#include <stdint.h>

// RS_X86: compile the x86 SIMD kernels and CPUID detection. Define RS_NO_X86 to
// build only the scalar path (what other architectures get).
#if !defined(RS_NO_X86) && (defined(__x86_64__) || defined(_M_X64) || \
                            defined(__i386__) || defined(_M_IX86))
#define RS_X86 1
#else
#define RS_X86 0
#endif
// RS_NEON: aarch64, where Advanced SIMD is part of the base ISA.
#if !defined(RS_NO_NEON) && (defined(__aarch64__) || defined(_M_ARM64))
#define RS_NEON 1
#else
#define RS_NEON 0
#endif

namespace rs {

// 256x256 product table: gf_mul_table[a][b] = a*b. Filled by gf_init().
extern uint8_t gf_mul_table[256][256];

// Builds the tables once (thread-safe, idempotent); call before anything else.
void gf_init();

static inline uint8_t gf_mul(uint8_t a, uint8_t b) { return gf_mul_table[a][b]; }

// SIMD levels, weakest first. A level is usable only if cpu_supports() says so.
enum Level : uint32_t {
  kScalar = 0,
  kSsse3 = 1,
  kAvx2 = 2,
  kGfni256 = 3,   // GFNI (VEX) + AVX2, ymm vgf2p8affineqb
  kAvx512 = 4,    // AVX-512BW vpshufb (Skylake-X/Cascade Lake: no GFNI)
  kGfni512 = 5,   // GFNI + AVX-512BW, zmm vgf2p8affineqb
  kNeon = 6,      // aarch64 Advanced SIMD, tbl split-nibble
  kLevelCount = 7
};

const char* level_name(uint32_t level);
// Returns the level for a name, or kLevelCount if unknown.
uint32_t level_from_name(const char* name);
// True when this CPU and OS can run kernels of this level (CPUID + XGETBV).
bool cpu_supports(uint32_t level);

// Bytes of expanded table per coefficient for a level (0 for scalar).
size_t table_bytes_per_coeff(uint32_t level);

// Expands one coefficient into its level-specific table (table_bytes_per_coeff bytes).
void expand_coeff(uint32_t level, uint8_t c, uint8_t* dst);

// Kernel contract, shared by all levels:
//   out[r][i] = XOR over c of coeff[r][c] * in[c][i], for r < rows, i < len.
// `coeffs` is row-major rows x cols; `tables` holds expand_coeff() output in
// column-major order (entry (c*rows + r)). Outputs are overwritten, never read,
// and must not overlap the inputs. Only call with a level cpu_supports().
void apply(uint32_t level, const uint8_t* coeffs, const uint8_t* tables,
           int rows, int cols, const uint8_t* const* in, uint8_t* const* out,
           size_t len);

// Scalar reference over the byte range [start, end) (used for tails too).
void apply_scalar_range(const uint8_t* coeffs, int rows, int cols,
                        const uint8_t* const* in, uint8_t* const* out,
                        size_t start, size_t end);

// A SIMD "group" routine: computes `g` consecutive output rows (out[0..g))
// over bytes [start, end) (a multiple of the level's vector width). `tables`
// points at the group's first row in column 0; column c is at
// tables + c*rows*table_bytes_per_coeff.
typedef void (*GroupFn)(const uint8_t* tables, int rows, int g, int cols,
                        const uint8_t* const* in, uint8_t* const* out,
                        size_t start, size_t end);

struct LevelKernel {
  GroupFn group;     // nullptr for scalar
  int width;         // bytes per vector step
  int max_group;     // most output rows kept in registers at once
};

// Per-level kernel descriptors (defined in the kernel_*.cc files).
LevelKernel kernel_ssse3();
LevelKernel kernel_avx2();
LevelKernel kernel_gfni256();
LevelKernel kernel_avx512();
LevelKernel kernel_gfni512();
LevelKernel kernel_neon();

// Coefficient -> 8x8 bit matrix (as a qword) for vgf2p8affineqb.
uint64_t gfni_matrix(uint8_t c);

}  // namespace rs

#endif
