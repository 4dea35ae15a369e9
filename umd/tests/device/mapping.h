// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <gtest/gtest.h>

namespace vsvm::test {

inline const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

/// Anonymous memory of its own, so that a test can change its protection or
/// unmap it without touching anything else.
class Mapping {
public:
    explicit Mapping(std::size_t size, int prot = PROT_READ | PROT_WRITE) : size_(size)
    {
        void* address = mmap(nullptr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(address, MAP_FAILED) << std::strerror(errno);
        address_ = address == MAP_FAILED ? nullptr : static_cast<uint8_t*>(address);
        // 4 KiB device pages, whatever the THP setting.
        if (address_)
            madvise(address_, size_, MADV_NOHUGEPAGE);
    }
    ~Mapping() { unmap(); }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

    void unmap()
    {
        if (address_)
            munmap(address_, size_);
        address_ = nullptr;
    }

    uint8_t* data() const { return address_; }
    template <typename T>
    T* as() const
    {
        return reinterpret_cast<T*>(address_);
    }
    std::size_t size() const { return size_; }

private:
    uint8_t* address_ = nullptr;
    std::size_t size_;
};

} // namespace vsvm::test
