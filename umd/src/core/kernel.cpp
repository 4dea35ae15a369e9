// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/kernel.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vsvm_drm.h"

namespace vsvm {

Result<Kernel> Kernel::fromAssembly(std::string_view source)
{
    isa::Assembly assembly = isa::assemble(source);
    if (!assembly.ok()) {
        std::string context = "assemble kernel";
        for (const isa::Diagnostic& diagnostic : assembly.diagnostics)
            context += fmt::format("\n{}:{}: {}", diagnostic.line, diagnostic.column,
                                   diagnostic.message);
        return Status::fromErrno(EINVAL, std::move(context));
    }
    return fromProgram(assembly.program);
}

Result<Kernel> Kernel::fromProgram(const isa::Program& program)
{
    return fromWords(program.words, program.entry);
}

Result<Kernel> Kernel::fromWords(std::span<const uint64_t> words, uint32_t entry)
{
    std::size_t codeSize = words.size_bytes();
    if (words.empty() || codeSize > DRM_VSVM_CODE_MAX_SIZE)
        return Status::fromErrno(EINVAL, fmt::format("kernel of {} words (1 to {} allowed)",
                                                     words.size(), DRM_VSVM_CODE_MAX_SIZE / 8));
    if (entry % sizeof(uint64_t) != 0 || entry >= codeSize)
        return Status::fromErrno(EINVAL, fmt::format("kernel entry {:#x} is not an instruction "
                                                     "of its {} bytes", entry, codeSize));

    // A mapping of its own rather than the heap: it can be made read-only
    // without touching neighbours, and it is page-aligned as the fetch wants.
    std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::size_t mappedSize = (codeSize + page - 1) / page * page;
    void* mapping = mmap(nullptr, mappedSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    if (mapping == MAP_FAILED)
        return Status::fromErrno(errno, fmt::format("mmap {} bytes for a kernel", mappedSize));
    Kernel kernel(static_cast<uint64_t*>(mapping), codeSize, mappedSize, entry);

    std::memcpy(mapping, words.data(), codeSize);
    if (mprotect(mapping, mappedSize, PROT_READ) != 0)
        return Status::fromErrno(errno, "mprotect a kernel read-only");
    return kernel;
}

Kernel::~Kernel()
{
    unmap();
}

Kernel::Kernel(Kernel&& other) noexcept
    : code_(std::exchange(other.code_, nullptr)), codeSize_(std::exchange(other.codeSize_, 0)),
      mappedSize_(std::exchange(other.mappedSize_, 0)), entry_(std::exchange(other.entry_, 0))
{
}

Kernel& Kernel::operator=(Kernel&& other) noexcept
{
    if (this != &other) {
        unmap();
        code_ = std::exchange(other.code_, nullptr);
        codeSize_ = std::exchange(other.codeSize_, 0);
        mappedSize_ = std::exchange(other.mappedSize_, 0);
        entry_ = std::exchange(other.entry_, 0);
    }
    return *this;
}

void Kernel::unmap() noexcept
{
    if (code_)
        munmap(code_, mappedSize_);
    code_ = nullptr;
}

} // namespace vsvm
