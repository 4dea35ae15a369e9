// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/oracle/reference.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <string>

#include <fmt/format.h>

namespace vsvm::oracle {
namespace {

// Typed access to an instance's buffers and arguments.
class Ref {
public:
    explicit Ref(const Instance& instance) : in_(instance), args_(instance.args()) {}

    template <typename T>
    T* b(std::string_view name) const
    {
        return reinterpret_cast<T*>(in_.buffer(name)->data);
    }
    std::size_t count(std::string_view name) const { return in_.buffer(name)->count; }
    std::int64_t p(const std::string& name) const { return in_.spec().params.at(name); }
    std::uint32_t u32(std::size_t arg) const { return static_cast<std::uint32_t>(args_[arg].bits); }
    float f32(std::size_t arg) const { return std::bit_cast<float>(static_cast<std::uint32_t>(args_[arg].bits)); }
    NDRange range() const { return in_.range(); }

private:
    const Instance& in_;
    std::vector<Arg> args_;
};

std::uint32_t rotl(std::uint32_t x, std::uint32_t r)
{
    return r ? (x << r) | (x >> (32 - r)) : x;
}

template <typename T>
T saturate(double v)
{
    if (std::isnan(v))
        return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::min()))
        return std::numeric_limits<T>::min();
    if (v >= static_cast<double>(std::numeric_limits<T>::max()))
        return std::numeric_limits<T>::max();
    return static_cast<T>(v);
}

struct Node {
    Node* next;
    std::uint32_t value;
};
struct GraphNode {
    GraphNode** adj;
    std::uint32_t degree;
    std::int32_t level;
};
struct TreeNode {
    TreeNode* left;
    TreeNode* right;
    std::uint32_t value;
};

const std::map<std::string, std::function<void(const Ref&)>, std::less<>>& references()
{
    static const std::map<std::string, std::function<void(const Ref&)>, std::less<>> table = {
        {"saxpy",
         [](const Ref& r) {
             float* x = r.b<float>("x");
             float* y = r.b<float>("y");
             float a = r.f32(3);
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 float product = a * x[i];
                 y[i] = product + y[i];
             }
         }},
        {"vadd_i32",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++)
                 r.b<std::uint32_t>("c")[i] = r.b<std::uint32_t>("a")[i] + r.b<std::uint32_t>("b")[i];
         }},
        {"elementwise",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(7); i++) {
                 float x = r.b<float>("a")[i], y = r.b<float>("b")[i];
                 r.b<float>("root")[i] = std::sqrt(std::fabs(x));
                 r.b<float>("rounded")[i] = std::floor(x) + std::ceil(y);
                 r.b<float>("minmax")[i] = std::fmin(x, y) * std::fmax(x, y);
                 r.b<float>("quotient")[i] = x / y;
                 r.b<std::int32_t>("truncated")[i] = static_cast<std::int32_t>(x);
             }
         }},
        {"reduce_local",
         [](const Ref& r) {
             for (std::size_t g = 0; g < r.count("sums"); g++) {
                 std::uint32_t sum = 0;
                 for (std::size_t k = 0; k < 64; k++)
                     sum += r.b<std::uint32_t>("data")[g * 64 + k];
                 r.b<std::uint32_t>("sums")[g] = sum;
             }
         }},
        {"scan_local",
         [](const Ref& r) {
             std::uint32_t sum = 0;
             for (std::size_t i = 0; i < r.count("data"); i++) {
                 sum = (i % 64 ? sum : 0) + r.b<std::uint32_t>("data")[i];
                 r.b<std::uint32_t>("result")[i] = sum;
             }
         }},
        {"histogram",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++)
                 r.b<std::uint32_t>("bins")[r.b<std::uint32_t>("data")[i] & 255]++;
         }},
        {"matmul_tiled",
         [](const Ref& r) {
             std::uint32_t n = r.u32(3);
             float *A = r.b<float>("A"), *B = r.b<float>("B"), *C = r.b<float>("C");
             for (std::uint32_t i = 0; i < n; i++)
                 for (std::uint32_t j = 0; j < n; j++) {
                     float acc = 0;
                     for (std::uint32_t k = 0; k < n; k++) {
                         float product = A[i * n + k] * B[k * n + j];
                         acc += product;
                     }
                     C[i * n + j] = acc;
                 }
         }},
        {"transpose_local",
         [](const Ref& r) {
             std::uint32_t w = r.u32(2), h = r.u32(3);
             for (std::uint32_t y = 0; y < h; y++)
                 for (std::uint32_t x = 0; x < w; x++)
                     r.b<std::uint32_t>("result")[x * h + y] = r.b<std::uint32_t>("data")[y * w + x];
         }},
        {"stencil1d",
         [](const Ref& r) {
             std::uint32_t n = r.u32(2);
             float *in = r.b<float>("data"), *out = r.b<float>("result");
             for (std::uint32_t i = 0; i < n; i++) {
                 float l = in[i > 0 ? i - 1 : 0], c = in[i], rr = in[i + 1 < n ? i + 1 : n - 1];
                 float t0 = 0.25f * l, t1 = 0.5f * c, t2 = 0.25f * rr;
                 out[i] = t0 + t1 + t2;
             }
         }},
        {"stencil2d",
         [](const Ref& r) {
             std::uint32_t w = r.u32(2), h = r.u32(3);
             auto* in = r.b<std::int32_t>("data");
             for (std::uint32_t y = 0; y < h; y++)
                 for (std::uint32_t x = 0; x < w; x++) {
                     std::uint32_t xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
                     std::uint32_t yu = y > 0 ? y - 1 : 0, yd = y + 1 < h ? y + 1 : h - 1;
                     r.b<std::int32_t>("result")[y * w + x] = 4 * in[y * w + x] - in[y * w + xl] - in[y * w + xr] -
                                                              in[yu * w + x] - in[yd * w + x];
                 }
         }},
        {"nbody",
         [](const Ref& r) {
             std::uint32_t n = r.u32(2);
             float eps2 = r.f32(3);
             float *body = r.b<float>("body"), *acc = r.b<float>("acc");
             for (std::uint32_t i = 0; i < n; i++) {
                 float ax = 0, ay = 0, az = 0;
                 for (std::uint32_t j = 0; j < n; j++) {
                     float dx = body[4 * j] - body[4 * i], dy = body[4 * j + 1] - body[4 * i + 1],
                           dz = body[4 * j + 2] - body[4 * i + 2];
                     float r2 = dx * dx + dy * dy + dz * dz + eps2;
                     float inv = 1.0f / std::sqrt(r2);
                     float s = body[4 * j + 3] * inv * inv * inv;
                     ax += s * dx;
                     ay += s * dy;
                     az += s * dz;
                 }
                 acc[4 * i] = ax;
                 acc[4 * i + 1] = ay;
                 acc[4 * i + 2] = az;
                 acc[4 * i + 3] = 0;
             }
         }},
        {"mandelbrot",
         [](const Ref& r) {
             std::uint32_t w = r.u32(1), h = r.u32(2), maxIter = r.u32(3);
             for (std::uint32_t py = 0; py < h; py++)
                 for (std::uint32_t px = 0; px < w; px++) {
                     std::int64_t cx = -2 * 65536 + std::int64_t{px} * 3 * 65536 / w;
                     std::int64_t cy = -98304 + std::int64_t{py} * 3 * 65536 / h;
                     std::int64_t x = 0, y = 0;
                     std::uint32_t k = 0;
                     while (k < maxIter) {
                         std::int64_t xx = (x * x) >> 16, yy = (y * y) >> 16;
                         if (xx + yy > 4 * 65536)
                             break;
                         std::int64_t xy = (x * y) >> 15;
                         x = xx - yy + cx;
                         y = xy + cy;
                         k++;
                     }
                     r.b<std::uint32_t>("iters")[py * w + px] = k;
                 }
         }},
        {"int_hash",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 std::uint32_t h = r.b<std::uint32_t>("data")[i] ^ r.u32(3);
                 for (std::uint32_t round = 0; round < 4; round++) {
                     h ^= h >> 16;
                     h *= 0x85ebca6bu;
                     h ^= h >> 13;
                     h = rotl(h, 5 + round) * 0xc2b2ae35u;
                     h ^= h >> 16;
                 }
                 r.b<std::uint32_t>("result")[i] = h + i;
             }
         }},
        {"bitonic_local",
         [](const Ref& r) {
             std::size_t n = r.count("data");
             std::copy_n(r.b<std::uint32_t>("data"), n, r.b<std::uint32_t>("result"));
             for (std::size_t g = 0; g < n; g += 128)
                 std::sort(r.b<std::uint32_t>("result") + g, r.b<std::uint32_t>("result") + g + 128);
         }},
        {"string_search",
         [](const Ref& r) {
             std::uint32_t n = r.u32(1), m = r.u32(3);
             auto *text = r.b<std::uint8_t>("text"), *pattern = r.b<std::uint8_t>("pattern");
             for (std::uint32_t i = 0; i < n; i++) {
                 bool found = i + m <= n && std::memcmp(text + i, pattern, m) == 0;
                 r.b<std::uint32_t>("match")[i] = found;
                 r.b<std::uint32_t>("count")[0] += found;
             }
         }},
        {"collatz",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 std::uint32_t x = r.b<std::uint32_t>("data")[i], k = 0;
                 if (x == 0)
                     k = 0xffffffffu;
                 else if (x > 9000 && (x & 1))
                     k = 7;
                 else
                     for (; x != 1 && k < r.u32(3); k++)
                         x = (x & 1) ? 3 * x + 1 : x >> 1;
                 r.b<std::uint32_t>("steps")[i] = k;
             }
         }},
        {"list_sum",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 std::uint32_t sum = 0;
                 for (Node* p = r.b<Node*>("heads")[i]; p; p = p->next)
                     sum += p->value;
                 r.b<std::uint32_t>("sums")[i] = sum;
             }
         }},
        {"bfs",
         [](const Ref& r) {
             // Level by level, as the kernel: levels are unique, the order is not.
             auto* nodes = r.b<GraphNode>("nodes");
             std::uint32_t n = r.u32(1);
             std::int32_t level = 0;
             for (bool changed = true; changed; level++) {
                 changed = false;
                 for (std::uint32_t v = 0; v < n; v++)
                     if (nodes[v].level == level)
                         for (std::uint32_t e = 0; e < nodes[v].degree; e++)
                             if (nodes[v].adj[e]->level == -1) {
                                 nodes[v].adj[e]->level = level + 1;
                                 changed = true;
                             }
                 if (!changed)
                     break;
             }
             r.b<std::uint32_t>("iters")[0] = static_cast<std::uint32_t>(level);
         }},
        {"tree_build",
         [](const Ref& r) {
             std::uint32_t n = r.u32(5);
             auto* pool = r.b<TreeNode>("pool");
             for (std::uint32_t i = 0; i < n; i++) {
                 pool[i].value = r.b<std::uint32_t>("keys")[i];
                 pool[i].left = 2 * i + 1 < n ? &pool[2 * i + 1] : nullptr;
                 pool[i].right = 2 * i + 2 < n ? &pool[2 * i + 2] : nullptr;
                 r.b<TreeNode*>("slots")[i] = &pool[i];
             }
             r.b<std::uint32_t>("counter")[0] = n;
             r.b<TreeNode*>("root")[0] = &pool[0];
         }},
        {"bit_ops",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(6); i++) {
                 std::uint32_t x = r.b<std::uint32_t>("a")[i], y = r.b<std::uint32_t>("b")[i];
                 r.b<std::uint32_t>("pop")[i] = std::popcount(x);
                 r.b<std::uint32_t>("lz")[i] = std::countl_zero(x >> (y & 31));
                 r.b<std::uint32_t>("hi")[i] = static_cast<std::uint32_t>((std::uint64_t{x} * y) >> 32);
                 r.b<std::uint32_t>("rot")[i] = rotl(x, y & 31);
             }
         }},
        {"int_divmod",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(6); i++) {
                 std::int32_t x = r.b<std::int32_t>("a")[i], y = r.b<std::int32_t>("b")[i];
                 y = y ? y : 7;
                 r.b<std::int32_t>("q")[i] = x / y;
                 r.b<std::int32_t>("r")[i] = x % y;
                 r.b<std::uint32_t>("uq")[i] = static_cast<std::uint32_t>(x) / static_cast<std::uint32_t>(y);
                 r.b<std::uint32_t>("ur")[i] = static_cast<std::uint32_t>(x) % static_cast<std::uint32_t>(y);
             }
         }},
        {"gather_permute",
         [](const Ref& r) {
             std::uint32_t n = r.u32(2);
             for (std::uint32_t i = 0; i < n; i++)
                 r.b<std::uint32_t>("result")[(i * 7919u) & (n - 1)] = 3 * r.b<std::uint32_t>("data")[i] + 1;
         }},
        {"i64_arith",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 std::int64_t x = r.b<std::int64_t>("a")[i], y = r.b<std::int64_t>("b")[i];
                 std::uint64_t m = static_cast<std::uint64_t>(x) * static_cast<std::uint64_t>(y) +
                                   static_cast<std::uint64_t>(x >> 7);
                 std::uint64_t u = static_cast<std::uint64_t>(y) >> 11;
                 r.b<std::uint64_t>("result")[i] = (m ^ (u << 13)) + (x < y ? 1 : ~std::uint64_t{0});
             }
         }},
        {"atomic_minmax",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 std::int32_t v = r.b<std::int32_t>("data")[i];
                 std::uint32_t bucket = static_cast<std::uint32_t>(v) & 15;
                 r.b<std::int32_t>("mins")[bucket] = std::min(r.b<std::int32_t>("mins")[bucket], v);
                 r.b<std::int32_t>("maxs")[bucket] = std::max(r.b<std::int32_t>("maxs")[bucket], v);
             }
         }},
        {"reverse_local",
         [](const Ref& r) {
             for (std::size_t i = 0; i < r.count("data"); i++)
                 r.b<std::uint32_t>("result")[i] = r.b<std::uint32_t>("data")[i / 256 * 256 + 255 - i % 256];
         }},
        {"matvec",
         [](const Ref& r) {
             std::uint32_t n = r.u32(3);
             for (std::uint32_t row = 0; row < n; row++) {
                 float acc = 0;
                 for (std::uint32_t j = 0; j < n; j++) {
                     float product = r.b<float>("A")[row * n + j] * r.b<float>("x")[j];
                     acc += product;
                 }
                 r.b<float>("y")[row] = acc;
             }
         }},
        {"convert_sat",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(5); i++) {
                 float f = r.b<float>("f")[i];
                 r.b<std::int32_t>("fi")[i] = saturate<std::int32_t>(std::trunc(static_cast<double>(f)));
                 r.b<std::uint8_t>("fu8")[i] = saturate<std::uint8_t>(std::nearbyint(static_cast<double>(f)));
                 r.b<std::int16_t>("s16")[i] = saturate<std::int16_t>(r.b<std::int32_t>("v")[i]);
             }
         }},
        {"clamp_abs",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(5); i++) {
                 std::int32_t x = r.b<std::int32_t>("a")[i], y = r.b<std::int32_t>("b")[i];
                 r.b<std::int32_t>("clamped")[i] = std::clamp(x, -1000, 1000) + std::min(x, y) / 2 - std::max(x, y) / 4;
                 r.b<std::uint32_t>("absdiff")[i] = static_cast<std::uint32_t>(std::abs(x)) +
                                                    static_cast<std::uint32_t>(std::abs(y));
                 r.b<std::int32_t>("picked")[i] = x > y ? x - y : (x & y);
             }
         }},
        {"dot_local",
         [](const Ref& r) {
             for (std::size_t g = 0; g < r.count("partial"); g++) {
                 // The kernel's tree order; whole numbers make any order exact anyway.
                 float s[128];
                 for (std::size_t l = 0; l < 128; l++)
                     s[l] = r.b<float>("a")[g * 128 + l] * r.b<float>("b")[g * 128 + l];
                 for (std::size_t h = 64; h > 0; h >>= 1)
                     for (std::size_t l = 0; l < h; l++)
                         s[l] += s[l + h];
                 r.b<float>("partial")[g] = s[0];
             }
         }},
        {"blelloch_scan",
         [](const Ref& r) {
             std::uint32_t sum = 0;
             for (std::size_t i = 0; i < r.count("data"); i++) {
                 if (i % 256 == 0)
                     sum = 0;
                 r.b<std::uint32_t>("result")[i] = sum;
                 sum += r.b<std::uint32_t>("data")[i];
             }
         }},
        {"leaky_relu",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 float v = r.b<float>("x")[i];
                 r.b<float>("y")[i] = v > 0.0f ? v : 0.125f * v;
                 r.b<std::uint32_t>("pos")[i] = (v > 0.0f) + (v >= 1.0f) + std::isnan(v);
             }
         }},
        {"byte_swap",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 std::uint32_t x = r.b<std::uint32_t>("data")[i];
                 r.b<std::uint32_t>("swapped")[i] = __builtin_bswap32(x); // std::byteswap is C++23
                 r.b<std::uint32_t>("halves")[i] = ((x & 0x00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ffu);
             }
         }},
        {"prime_test",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 std::uint32_t x = r.b<std::uint32_t>("data")[i], result = x < 2 ? 0 : 1;
                 for (std::uint32_t d = 2; x >= 2 && d * d <= x; d++)
                     if (x % d == 0) {
                         result = d;
                         break;
                     }
                 r.b<std::uint32_t>("result")[i] = result;
             }
         }},
        {"gcd",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++)
                 r.b<std::uint32_t>("result")[i] = std::gcd(r.b<std::uint32_t>("a")[i], r.b<std::uint32_t>("b")[i]);
         }},
        {"bits64",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 std::uint64_t a = r.b<std::uint64_t>("a")[i], x = a >> (a & 63);
                 r.b<std::uint32_t>("pop")[i] = std::popcount(x);
                 r.b<std::uint32_t>("lz")[i] = std::countl_zero(x * 3);
             }
         }},
        {"cvt64",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(6); i++) {
                 float f = r.b<float>("f")[i];
                 std::int64_t v = r.b<std::int64_t>("v")[i];
                 r.b<std::int64_t>("fl")[i] = static_cast<std::int64_t>(f);
                 r.b<std::uint64_t>("fu")[i] = static_cast<std::uint64_t>(std::fabs(f));
                 r.b<float>("lf")[i] = static_cast<float>(v);
                 r.b<float>("uf")[i] = static_cast<float>(static_cast<std::uint64_t>(v));
             }
         }},
        {"rounding",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(5); i++) {
                 float v = r.b<float>("x")[i];
                 r.b<float>("fl")[i] = std::floor(v);
                 r.b<float>("ce")[i] = std::ceil(v);
                 r.b<float>("tr")[i] = std::trunc(v);
                 r.b<float>("ri")[i] = std::nearbyint(v);
             }
         }},
        {"cas_sum",
         [](const Ref& r) {
             auto* acc = r.b<std::uint32_t>("acc");
             for (std::uint32_t i = 0; i < r.u32(3); i++) {
                 std::uint32_t v = r.b<std::uint32_t>("data")[i];
                 acc[0] += v;
                 r.b<std::uint32_t>("and_acc")[0] &= v | 0xff000000u;
                 acc[1] |= v & 0x00ffff00u;
                 acc[2] ^= v;
             }
         }},
        {"local_histogram",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++)
                 r.b<std::uint32_t>("bins")[r.b<std::uint32_t>("data")[i] % 64]++;
         }},
        {"nested_loops",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(2); i++) {
                 std::uint32_t limit = r.b<std::uint32_t>("data")[i] % 40, acc = 0;
                 for (std::uint32_t a = 0; a < limit; a++) {
                     if (a % 3 == 1)
                         continue;
                     for (std::uint32_t b = 0; b <= a && a * b <= 500; b++)
                         acc += (a ^ b) + 1;
                 }
                 r.b<std::uint32_t>("result")[i] = acc;
             }
         }},
        {"fma_explicit",
         [](const Ref& r) {
             for (std::uint32_t i = 0; i < r.u32(4); i++)
                 r.b<float>("fused")[i] = std::fma(r.b<float>("a")[i], r.b<float>("b")[i], r.b<float>("c")[i]);
         }},
    };
    return table;
}

} // namespace

bool hasReference(std::string_view name)
{
    return references().contains(name);
}

Status runReference(const Instance& instance)
{
    auto it = references().find(instance.spec().name);
    if (it == references().end())
        return Status::error(ENOENT, fmt::format("no C++ reference implementation of '{}'", instance.spec().name));
    it->second(Ref(instance));
    return {};
}

} // namespace vsvm::oracle
