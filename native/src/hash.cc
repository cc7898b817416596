// Batched SHA-256 over equal-sized messages, for Merkle trees (src/merkle/).
//
// Exports (registered by hash_register, called from addon.cc's Init):
//   hashBackend: string      "openssl" when sha256Batch exists, "none" otherwise
//   sha256Batch(input, stride, prefix, out): void
//       hashes the floor(input.length / stride) consecutive `stride`-byte
//       messages of `input`, each preceded by the byte `prefix` when
//       0 <= prefix <= 255 (-1: no prefix), writing the 32-byte digests one
//       after another into `out` (which needs at least 32 * count bytes).
//       Bytes of `input` past the last whole message are ignored. `out` may
//       overlap `input` only when it starts at or before it and stride >= 32
//       (every digest then lands on bytes already read); any other overlap,
//       and every bad argument, throws ERR_HASH_NATIVE_ARGS.
//
// The SHA-256 code is OpenSSL's, which the node binary already contains and
// exports. It is NOT linked: node loads addons lazily (RTLD_LAZY), so an
// unresolved symbol would abort the process at its first call. The functions
// are looked up with dlsym(RTLD_DEFAULT) once, checked against a known answer,
// and sha256Batch is simply not exported when that fails (or on Windows,
// where node's OpenSSL symbols are not reachable this way): JS then uses
// node:crypto. The SHA256_CTX is treated as opaque: 112 bytes in OpenSSL 1.1
// and 3.x and in BoringSSL; we give it 256 bytes, 16-aligned.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

namespace {

typedef int (*InitFn)(void* ctx);
typedef int (*UpdateFn)(void* ctx, const void* data, size_t len);
typedef int (*FinalFn)(unsigned char* md, void* ctx);

struct Sha256Api {
  InitFn init = nullptr;
  UpdateFn update = nullptr;
  FinalFn final = nullptr;
  bool ok = false;
};

struct alignas(16) Ctx {
  unsigned char bytes[256];
};

const size_t kDigest = 32;
// Messages up to this long are copied behind their prefix byte and hashed in one update.
const size_t kJoinMax = 256;

bool hash_one(const Sha256Api& api, Ctx* ctx, int prefix, const uint8_t* msg, size_t len,
              uint8_t* md) {
  if (api.init(ctx) != 1) return false;
  if (prefix >= 0 && len <= kJoinMax) {
    // one update of prefix || msg: ~20% faster for 64-byte node pairs than two updates
    uint8_t buf[kJoinMax + 1];
    buf[0] = (uint8_t)prefix;
    memcpy(buf + 1, msg, len);
    if (api.update(ctx, buf, len + 1) != 1) return false;
  } else {
    if (prefix >= 0) {
      const unsigned char p = (unsigned char)prefix;
      if (api.update(ctx, &p, 1) != 1) return false;
    }
    if (len > 0 && api.update(ctx, msg, len) != 1) return false;
  }
  return api.final(md, ctx) == 1;
}

// Resolves the three functions and checks them against FIPS 180-2's "abc"
// vector (as prefix 'a' + "bc": a two-part update), so a same-named symbol with another
// contract is never used.
Sha256Api resolve() {
  Sha256Api api;
#if !defined(_WIN32)
  api.init = reinterpret_cast<InitFn>(dlsym(RTLD_DEFAULT, "SHA256_Init"));
  api.update = reinterpret_cast<UpdateFn>(dlsym(RTLD_DEFAULT, "SHA256_Update"));
  api.final = reinterpret_cast<FinalFn>(dlsym(RTLD_DEFAULT, "SHA256_Final"));
  if (api.init == nullptr || api.update == nullptr || api.final == nullptr) return api;
  static const uint8_t kAbc[32] = {
      0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
      0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  uint8_t md[32];
  const uint8_t bc[2] = {'b', 'c'};
  if (!hash_one(api, &ctx, 'a', bc, 2, md) || memcmp(md, kAbc, 32) != 0) return api;
  api.ok = true;
#endif
  return api;
}

// Resolved once per process (thread-safe static init: workers load the addon too).
const Sha256Api& sha256_api() {
  static const Sha256Api api = resolve();
  return api;
}

napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, "ERR_HASH_NATIVE_ARGS", msg);
  return nullptr;
}

bool get_bytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, nullptr, nullptr) != napi_ok)
    return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(ptr);
  *len = length;
  return true;
}

// An integer-valued number in [lo, hi], else false (NaN, fractions, strings...).
bool get_int(napi_env env, napi_value v, double lo, double hi, int64_t* out) {
  napi_valuetype t;
  double d = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  if (napi_get_value_double(env, v, &d) != napi_ok) return false;
  if (!(d >= lo && d <= hi) || d != (double)(int64_t)d) return false;
  *out = (int64_t)d;
  return true;
}

napi_value Sha256Batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 4) return fail(env, "sha256Batch(input, stride, prefix, out) needs 4 arguments");
  uint8_t* in = nullptr;
  uint8_t* out = nullptr;
  size_t in_len = 0, out_len = 0;
  int64_t stride = 0, prefix = 0;
  if (!get_bytes(env, argv[0], &in, &in_len)) return fail(env, "input must be a Uint8Array");
  if (!get_int(env, argv[1], 1, 4294967295.0, &stride))
    return fail(env, "stride must be an integer in 1..2^32-1");
  if (!get_int(env, argv[2], -1, 255, &prefix))
    return fail(env, "prefix must be an integer in -1..255 (-1: no prefix byte)");
  if (!get_bytes(env, argv[3], &out, &out_len)) return fail(env, "out must be a Uint8Array");
  const size_t count = in_len / (size_t)stride;
  if (out_len / kDigest < count) return fail(env, "out is smaller than 32 bytes per message");
  if (count == 0) return nullptr;
  const uintptr_t a = reinterpret_cast<uintptr_t>(in), b = reinterpret_cast<uintptr_t>(out);
  const size_t span = count * (size_t)stride, written = count * kDigest;
  const bool overlaps = b < a + span && a < b + written;
  if (overlaps && !(b <= a && stride >= (int64_t)kDigest))
    return fail(env, "out overlaps input (allowed only when out starts at or before input and stride >= 32)");
  const Sha256Api& api = sha256_api();
  Ctx ctx;
  for (size_t i = 0; i < count; i++) {
    if (!hash_one(api, &ctx, (int)prefix, in + i * (size_t)stride, (size_t)stride,
                  out + i * kDigest)) {
      napi_throw_error(env, "ERR_HASH_NATIVE", "OpenSSL SHA-256 failed");
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace

// Adds hashBackend (always) and sha256Batch (when OpenSSL's SHA-256 was found) to exports.
void hash_register(napi_env env, napi_value exports) {
  const bool ok = sha256_api().ok;
  napi_value backend;
  napi_create_string_utf8(env, ok ? "openssl" : "none", NAPI_AUTO_LENGTH, &backend);
  napi_set_named_property(env, exports, "hashBackend", backend);
  if (!ok) return;
  napi_property_descriptor prop = {"sha256Batch", nullptr, Sha256Batch, nullptr,
                                   nullptr,       nullptr, napi_enumerable, nullptr};
  napi_define_properties(env, exports, 1, &prop);
}
