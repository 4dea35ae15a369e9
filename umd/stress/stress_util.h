// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// What vsvm-fuzz and vsvm-soak share: a seedable generator, the copy
// engine's checksum (FNV-1a 64) on the CPU side, a monotonic clock.

#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vsvm::stress {

// xorshift64*: small, seedable, the same sequence everywhere. @salt keeps
// two tools given the same seed on different sequences.
struct Rng {
    uint64_t s;
    Rng(uint64_t seed, uint64_t salt) : s(seed * 0x9e3779b97f4a7c15ull + salt) {}
    uint64_t next()
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545f4914f6cdd1dull;
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T> const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ull;

// FNV-1a 64 of @n bytes, continuing from @h (kFnvBasis for a fresh hash):
// what DRM_VSVM_CMD_CHECKSUM computes.
inline uint64_t fnvStep(uint64_t h, const uint8_t* p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

inline uint64_t fnv1a(const uint8_t* p, size_t n) { return fnvStep(kFnvBasis, p, n); }

// CLOCK_MONOTONIC in ns, the clock of DRM_IOCTL_VSVM_WAIT's absolute timeouts.
inline int64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace vsvm::stress
