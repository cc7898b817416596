// Kernel self-test and micro-benchmark, independent of Node:
//   g++ -O2 -std=c++17 -o /tmp/kt native/test/kernel_test.cc native/src/gf.cc native/src/kernel_*.cc
//   /tmp/kt [k m len]            (200 random shapes vs the scalar reference, then MB/s per level)
// aarch64 under qemu: aarch64-linux-gnu-g++ -static ... && qemu-aarch64 /tmp/kt
#include "../src/gf.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
using namespace rs;
static std::vector<uint8_t> prep(uint32_t lvl, const std::vector<uint8_t>& co, int rows, int cols) {
  size_t tb = table_bytes_per_coeff(lvl);
  std::vector<uint8_t> t(tb * rows * cols + 64);
  for (int c = 0; c < cols; c++) for (int r = 0; r < rows; r++) expand_coeff(lvl, co[r*cols+c], t.data() + (c*rows + r)*tb);
  return t;
}
int main(int argc, char** argv) {
  gf_init();
  srand(1);
  // correctness
  int bad = 0;
  for (int trial = 0; trial < 200; trial++) {
    int rows = 1 + rand() % 40, cols = 1 + rand() % 30; size_t len = rand() % 3000;
    std::vector<uint8_t> co(rows*cols); for (auto& x : co) x = rand();
    std::vector<std::vector<uint8_t>> in(cols, std::vector<uint8_t>(len));
    for (auto& v : in) for (auto& x : v) x = rand();
    std::vector<const uint8_t*> ip; for (auto& v : in) ip.push_back(v.data());
    std::vector<std::vector<uint8_t>> ref(rows, std::vector<uint8_t>(len));
    std::vector<uint8_t*> rp; for (auto& v : ref) rp.push_back(v.data());
    apply_scalar_range(co.data(), rows, cols, ip.data(), rp.data(), 0, len);
    for (uint32_t l = 1; l < kLevelCount; l++) {
      if (!cpu_supports(l)) continue;
      auto t = prep(l, co, rows, cols);
      std::vector<std::vector<uint8_t>> o(rows, std::vector<uint8_t>(len, 0xAA));
      std::vector<uint8_t*> op; for (auto& v : o) op.push_back(v.data());
      apply(l, co.data(), t.data(), rows, cols, ip.data(), op.data(), len);
      for (int r = 0; r < rows; r++) if (o[r] != ref[r]) { bad++; printf("mismatch lvl %s rows %d cols %d len %zu\n", level_name(l), rows, cols, len); break; }
    }
  }
  printf("correctness bad=%d\n", bad);
  if (bad) return 1;
  int k = argc > 1 ? atoi(argv[1]) : 10, m = argc > 2 ? atoi(argv[2]) : 20; size_t len = argc > 3 ? atol(argv[3]) : 1 << 20;
  std::vector<uint8_t> co(m*k); for (auto& x : co) x = rand() | 2;
  std::vector<std::vector<uint8_t>> in(k, std::vector<uint8_t>(len)), out(m, std::vector<uint8_t>(len));
  for (auto& v : in) for (auto& x : v) x = rand();
  std::vector<const uint8_t*> ip; for (auto& v : in) ip.push_back(v.data());
  std::vector<uint8_t*> op; for (auto& v : out) op.push_back(v.data());
  for (uint32_t l = 0; l < kLevelCount; l++) {
    if (!cpu_supports(l)) continue;
    auto t = prep(l, co, m, k);
    int iters = l == 0 ? 3 : 100;
    apply(l, co.data(), t.data(), m, k, ip.data(), op.data(), len);
    auto t0 = std::chrono::steady_clock::now();
    for (int it = 0; it < iters; it++) apply(l, co.data(), t.data(), m, k, ip.data(), op.data(), len);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printf("%-8s %d+%d len %zu: %.0f MB/s\n", level_name(l), k, m, len, (double)k * len * iters / s / 1e6);
  }
}
