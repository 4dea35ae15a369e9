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
        std::string message = "the kernel's assembly has errors:";
        for (const isa::Diagnostic& diagnostic : assembly.diagnostics)
            message += fmt::format("\n{}:{}: {}", diagnostic.line, diagnostic.column, diagnostic.message);
        return Status::error(EINVAL, std::move(message));
    }
    return fromProgram(assembly.program);
}

Result<Kernel> Kernel::fromProgram(const isa::Program& program)
{
    return fromWords(program.words, program.entry, program.signature, program.isaVersion);
}

Result<Kernel> Kernel::fromWords(std::span<const uint64_t> words, uint32_t entry,
                                 std::optional<KernelSignature> signature, uint32_t isaVersion)
{
    std::size_t codeSize = words.size_bytes();
    if (words.empty() || codeSize > DRM_VSVM_CODE_MAX_SIZE)
        return Status::error(EINVAL, fmt::format("a kernel of {} words: 1 to {} are allowed", words.size(),
                                                 DRM_VSVM_CODE_MAX_SIZE / 8));
    if (entry % sizeof(uint64_t) != 0 || entry >= codeSize)
        return Status::error(EINVAL, fmt::format("kernel entry {:#x} is not the offset of an instruction of "
                                                 "its {} bytes (a multiple of 8 below the size)",
                                                 entry, codeSize));
    if (isaVersion < VSVM_ISA_VERSION_MIN || isaVersion > VSVM_ISA_VERSION)
        return Status::error(EINVAL, fmt::format("ISA version {}: this library knows {} to {}", isaVersion,
                                                 VSVM_ISA_VERSION_MIN, VSVM_ISA_VERSION));
    if (signature && signature->params.size() > VSVM_ISA_MAX_ARGS)
        return Status::error(EINVAL, fmt::format("a kernel signature of {} parameters: at most {}",
                                                 signature->params.size(), VSVM_ISA_MAX_ARGS));

    // A mapping of its own rather than the heap: it can be made read-only
    // without touching neighbours, and it is page-aligned as the fetch wants.
    std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::size_t mappedSize = (codeSize + page - 1) / page * page;
    void* mapping = mmap(nullptr, mappedSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    if (mapping == MAP_FAILED)
        return Status::fromErrno(errno, fmt::format("mmap {} bytes for a kernel", mappedSize));
    Kernel kernel(static_cast<uint64_t*>(mapping), codeSize, mappedSize, entry, std::move(signature),
                  isaVersion);

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
      mappedSize_(std::exchange(other.mappedSize_, 0)), entry_(std::exchange(other.entry_, 0)),
      isaVersion_(other.isaVersion_), signature_(std::exchange(other.signature_, std::nullopt))
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
        isaVersion_ = other.isaVersion_;
        signature_ = std::exchange(other.signature_, std::nullopt);
    }
    return *this;
}

namespace {

// What a parameter of type @p type takes, for messages.
std::string_view takes(ArgType type)
{
    switch (type) {
    case ArgType::Ptr:
        return "a pointer";
    case ArgType::U32:
    case ArgType::I32:
        return "an integer of at most 32 bits";
    case ArgType::U64:
    case ArgType::I64:
        return "an integer";
    case ArgType::F32:
        return "a float";
    case ArgType::F64:
        return "a double";
    }
    return "?";
}

} // namespace

Status Kernel::checkArgs(const KernelArgs& args) const
{
    if (args.overflowed())
        return Status::error(E2BIG, fmt::format("more than {} kernel arguments", VSVM_ISA_MAX_ARGS));
    if (!signature_)
        return {};
    const KernelSignature& signature = *signature_;
    std::span<const HostArg> given = args.hostArgs();
    if (given.size() != signature.params.size())
        return Status::error(EINVAL, fmt::format("the kernel takes {} argument{} ({}), not {}",
                                                 signature.params.size(), signature.params.size() == 1 ? "" : "s",
                                                 signature.toString(), given.size()));
    for (std::size_t i = 0; i < given.size(); i++) {
        ArgType type = signature.params[i].type;
        if (!accepts(type, given[i]))
            return Status::error(EINVAL, fmt::format("kernel {} is given {}, but {} takes {}",
                                                     signature.describeParam(i), given[i].describe(),
                                                     toString(type), takes(type)));
    }
    return {};
}

void Kernel::unmap() noexcept
{
    if (code_)
        munmap(code_, mappedSize_);
    code_ = nullptr;
}

} // namespace vsvm
