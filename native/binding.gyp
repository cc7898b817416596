{
  # Portable x86-64 build: no -march/-mavx flags here. SIMD code paths carry
  # per-function target attributes and are chosen at run time (src/gf.cc).
  "targets": [
    {
      "target_name": "btfs_native",
      "sources": [
        "src/addon.cc",
        "src/gf.cc",
        "src/kernel_gfni.cc",
        "src/kernel_shuffle.cc",
        "src/kernel_neon.cc",
        "src/hash.cc"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-O3", "-fvisibility=hidden"],
      "cflags_cc": ["-O3", "-std=c++17", "-fvisibility=hidden"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
