// N-API binding. Exports (all synchronous, operating on caller memory):
//   levels(): string[]            usable SIMD levels, best first ("scalar" last)
//   prepare(coeffs, rows, cols, level): ArrayBuffer
//       expands a row-major rows x cols coefficient matrix into the tables the
//       level's kernel reads; throws on bad arguments or an unusable level.
//   apply(prepared, inputs, outputs): void
//       outputs[r] = sum_c coeffs[r][c] * inputs[c] over GF(2^8); inputs.length
//       must equal cols, outputs.length rows, every piece the same non-zero
//       byteLength. Outputs are overwritten and must not overlap inputs.
#include <node_api.h>
#include <string.h>

#include "gf.h"

// native/src/hash.cc: adds hashBackend and sha256Batch (batched SHA-256 for Merkle trees).
void hash_register(napi_env env, napi_value exports);

namespace {

const uint32_t kMagic = 0x31505352;  // "RSP1"
const size_t kHeader = 64;
const int kMaxPieces = 256;

size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }
size_t prepared_size(uint32_t level, uint32_t rows, uint32_t cols) {
  return kHeader + align64((size_t)rows * cols) +
         (size_t)rows * cols * rs::table_bytes_per_coeff(level);
}

napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, "ERR_ERASURE_NATIVE_ARGS", msg);
  return nullptr;
}

bool get_u8(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return false;
  napi_typedarray_type type;
  size_t length;
  void* ptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, nullptr, nullptr) != napi_ok)
    return false;
  if (type != napi_uint8_array && type != napi_uint8_clamped_array) return false;
  *data = static_cast<uint8_t*>(ptr);
  *len = length;
  return true;
}

napi_value Levels(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t n = 0;
  for (int l = rs::kLevelCount - 1; l >= 0; l--) {
    if (!rs::cpu_supports((uint32_t)l)) continue;
    napi_value s;
    napi_create_string_utf8(env, rs::level_name((uint32_t)l), NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, n++, s);
  }
  return arr;
}

napi_value Prepare(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return fail(env, "prepare(coeffs, rows, cols, level) needs 4 arguments");
  uint8_t* coeffs;
  size_t clen;
  uint32_t rows = 0, cols = 0;
  char name[32];
  size_t name_len = 0;
  if (!get_u8(env, argv[0], &coeffs, &clen)) return fail(env, "coeffs must be a Uint8Array");
  if (napi_get_value_uint32(env, argv[1], &rows) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &cols) != napi_ok || rows < 1 || cols < 1 ||
      rows > kMaxPieces || cols > kMaxPieces)
    return fail(env, "rows and cols must be integers in 1..256");
  if (clen != (size_t)rows * cols) return fail(env, "coeffs.length must be rows*cols");
  if (napi_get_value_string_utf8(env, argv[3], name, sizeof name, &name_len) != napi_ok)
    return fail(env, "level must be a string");
  uint32_t level = rs::level_from_name(name);
  if (level >= rs::kLevelCount || !rs::cpu_supports(level))
    return fail(env, "SIMD level unknown or not supported by this CPU");

  size_t size = prepared_size(level, rows, cols);
  void* mem;
  napi_value ab;
  if (napi_create_arraybuffer(env, size, &mem, &ab) != napi_ok) return nullptr;
  uint8_t* p = static_cast<uint8_t*>(mem);
  memset(p, 0, size);
  uint32_t hdr[4] = {kMagic, level, rows, cols};
  memcpy(p, hdr, sizeof hdr);
  memcpy(p + kHeader, coeffs, clen);
  uint8_t* tables = p + kHeader + align64(clen);
  size_t tb = rs::table_bytes_per_coeff(level);
  for (uint32_t c = 0; c < cols; c++)
    for (uint32_t r = 0; r < rows; r++)
      rs::expand_coeff(level, coeffs[r * cols + c], tables + ((size_t)c * rows + r) * tb);
  return ab;
}

// Reads an array of `want` Uint8Arrays of equal length `*len` (set from the
// first piece when *len == SIZE_MAX).
bool get_pieces(napi_env env, napi_value arr, uint32_t want, uint8_t** out, size_t* len) {
  bool is_arr = false;
  uint32_t n = 0;
  if (napi_is_array(env, arr, &is_arr) != napi_ok || !is_arr) return false;
  if (napi_get_array_length(env, arr, &n) != napi_ok || n != want) return false;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t l;
    if (napi_get_element(env, arr, i, &v) != napi_ok || !get_u8(env, v, &out[i], &l))
      return false;
    if (*len == SIZE_MAX) *len = l;
    if (l != *len) return false;
  }
  return true;
}

napi_value Apply(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return fail(env, "apply(prepared, inputs, outputs) needs 3 arguments");
  bool is_ab = false;
  void* mem = nullptr;
  size_t size = 0;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, argv[0], &mem, &size) != napi_ok || size < kHeader)
    return fail(env, "prepared must be an ArrayBuffer from prepare()");
  uint32_t hdr[4];
  memcpy(hdr, mem, sizeof hdr);
  const uint32_t level = hdr[1], rows = hdr[2], cols = hdr[3];
  if (hdr[0] != kMagic || level >= rs::kLevelCount || !rs::cpu_supports(level) || rows < 1 ||
      cols < 1 || rows > kMaxPieces || cols > kMaxPieces ||
      size < prepared_size(level, rows, cols))
    return fail(env, "prepared buffer is corrupt");
  uint8_t* in[kMaxPieces];
  uint8_t* out[kMaxPieces];
  size_t len = SIZE_MAX;
  if (!get_pieces(env, argv[1], cols, in, &len))
    return fail(env, "inputs must be an array of cols Uint8Arrays of equal length");
  if (!get_pieces(env, argv[2], rows, out, &len))
    return fail(env, "outputs must be an array of rows Uint8Arrays, same length as inputs");
  if (len == 0) return nullptr;
  const uint8_t* base = static_cast<const uint8_t*>(mem);
  rs::apply(level, base + kHeader, base + kHeader + align64((size_t)rows * cols), (int)rows,
            (int)cols, in, out, len);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  rs::gf_init();
  napi_property_descriptor props[] = {
      {"levels", nullptr, Levels, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"prepare", nullptr, Prepare, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"apply", nullptr, Apply, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, 3, props);
  hash_register(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
