// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-run: runs a compute kernel (assembly or binary) on buffers it makes,
// and reports the jobs' status, the buffers and the VM's counters.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "program_io.h"
#include "run_options.h"
#include "vsvm/runtime.h"
#include "vsvm/unique_fd.h"

namespace {

using namespace std::chrono_literals;
using vsvm::Result;
using vsvm::Status;
using vsvm::tools::BufferInit;
using vsvm::tools::BufferSpec;

// Exit statuses: 1 for a job or device that failed, 2 for bad input, as for
// malformed options (vsvm::tools::kBadUsage).
constexpr int kJobFailed = 1;
constexpr int kBadInput = vsvm::tools::kBadUsage;

/// A buffer of the run: page-aligned memory of its own, so that --protect can
/// change it alone, unmapped with the Buffer.
class Buffer {
public:
    Buffer(std::string name, uint8_t* data, std::size_t size, std::size_t mapped)
        : name_(std::move(name)), data_(data), size_(size), mapped_(mapped)
    {
    }
    ~Buffer()
    {
        if (data_)
            munmap(data_, mapped_);
    }
    Buffer(Buffer&& other) noexcept
        : name_(std::move(other.name_)), data_(std::exchange(other.data_, nullptr)), size_(other.size_),
          mapped_(other.mapped_)
    {
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer& operator=(Buffer&&) = delete;

    const std::string& name() const { return name_; }
    uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    std::size_t mapped() const { return mapped_; }

private:
    std::string name_;
    uint8_t* data_;
    std::size_t size_;
    std::size_t mapped_;
};

std::size_t pageAlign(std::size_t size)
{
    auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (size + page - 1) / page * page;
}

Status fill(const Buffer& buffer, const BufferInit& init)
{
    uint8_t* data = buffer.data();
    std::size_t size = buffer.size();
    switch (init.kind) {
    case BufferInit::Kind::Zero:
        break; // fresh anonymous memory
    case BufferInit::Kind::Fill:
        for (std::size_t i = 0; i < size; i++)
            data[i] = static_cast<uint8_t>(init.value >> (8 * (i % 8)));
        break;
    case BufferInit::Kind::Iota32:
        for (std::size_t i = 0; i + 4 <= size; i += 4) {
            auto value = static_cast<uint32_t>(i / 4);
            std::memcpy(data + i, &value, 4);
        }
        break;
    case BufferInit::Kind::Iota64:
        for (std::size_t i = 0; i + 8 <= size; i += 8) {
            uint64_t value = i / 8;
            std::memcpy(data + i, &value, 8);
        }
        break;
    case BufferInit::Kind::Float:
        for (std::size_t i = 0; i + 4 <= size; i += 4)
            std::memcpy(data + i, &init.value, 4);
        break;
    case BufferInit::Kind::Random: {
        std::mt19937_64 random(init.value);
        for (std::size_t i = 0; i < size; i += 8) {
            uint64_t value = random();
            std::memcpy(data + i, &value, std::min<std::size_t>(8, size - i));
        }
        break;
    }
    case BufferInit::Kind::Copy: {
        auto contents = vsvm::tools::readFile(init.path);
        if (!contents)
            return contents.status();
        std::memcpy(data, contents->data(), std::min(size, contents->size()));
        break;
    }
    }
    return {};
}

Result<Buffer> makeBuffer(const BufferSpec& spec)
{
    if (!spec.filePath.empty()) {
        vsvm::UniqueFd fd(open(spec.filePath.c_str(), (spec.fileWritable ? O_RDWR : O_RDONLY) | O_CLOEXEC));
        if (!fd)
            return Status::fromErrno(errno, fmt::format("--file {}: open {}", spec.name, spec.filePath));
        struct stat st {};
        if (fstat(fd.get(), &st) != 0)
            return Status::fromErrno(errno, fmt::format("--file {}: fstat {}", spec.name, spec.filePath));
        if (st.st_size == 0)
            return Status::error(EINVAL, fmt::format("--file {}: {} is empty", spec.name, spec.filePath));
        auto size = static_cast<std::size_t>(st.st_size);
        int prot = PROT_READ | (spec.fileWritable ? PROT_WRITE : 0);
        void* data = mmap(nullptr, pageAlign(size), prot, MAP_SHARED, fd.get(), 0);
        if (data == MAP_FAILED)
            return Status::fromErrno(errno, fmt::format("--file {}: mmap {}", spec.name, spec.filePath));
        return Buffer(spec.name, static_cast<uint8_t*>(data), size, pageAlign(size));
    }

    void* data = mmap(nullptr, pageAlign(spec.size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED)
        return Status::fromErrno(errno, fmt::format("--buf {}: {} bytes", spec.name, spec.size));
    Buffer buffer(spec.name, static_cast<uint8_t*>(data), spec.size, pageAlign(spec.size));
    if (Status filled = fill(buffer, spec.init); !filled.ok())
        return filled.withContext(fmt::format("--buf {}", spec.name));
    return buffer;
}

Result<vsvm::Kernel> loadKernel(const std::string& path, const std::string& format, uint32_t entry,
                               const std::string& signatureText)
{
    auto contents = vsvm::tools::readFile(path);
    if (!contents)
        return contents.status();
    bool source = format == "vsa" || (format == "auto" && (path.ends_with(".vsa") || path == "-"));
    if (source) {
        vsvm::isa::Assembly assembly = vsvm::isa::assemble(*contents);
        for (const vsvm::isa::Diagnostic& diagnostic : assembly.diagnostics)
            fmt::print(stderr, "{}\n", vsvm::isa::formatDiagnostic(path == "-" ? "<stdin>" : path, diagnostic));
        if (!assembly.ok())
            return Status::error(EINVAL, fmt::format("{}: the program has errors", path));
        if (!signatureText.empty())
            return Status::error(EINVAL, "--signature is for binary programs: assembly has .args");
        return vsvm::Kernel::fromProgram(assembly.program);
    }
    auto words = vsvm::tools::bytesToWords(*contents);
    if (!words)
        return words.status().withContext(path);
    std::optional<vsvm::KernelSignature> signature;
    if (!signatureText.empty()) {
        auto parsed = vsvm::isa::parseSignature(signatureText == "none" ? "" : signatureText);
        if (!parsed)
            return parsed.status().withContext("--signature");
        signature = std::move(*parsed);
    }
    auto kernel = vsvm::Kernel::fromWords(*words, entry, std::move(signature));
    if (!kernel)
        return kernel.status().withContext(path);
    return kernel;
}

/// "in buffer 'x' at offset 0x40" for an address inside one of @p buffers.
std::string whereIs(uint64_t address, const std::vector<Buffer>& buffers)
{
    for (const Buffer& buffer : buffers) {
        auto start = reinterpret_cast<uintptr_t>(buffer.data());
        if (address >= start && address < start + buffer.mapped())
            return fmt::format(" (buffer '{}' + {:#x})", buffer.name(), address - start);
    }
    return "";
}

/// "pc 0x30: v_load_u32 v10, v8": the instruction of @p kernel at byte @p pc.
std::string instructionAt(const vsvm::Kernel& kernel, uint64_t pc)
{
    if (pc % 8 != 0 || pc >= kernel.codeSize())
        return fmt::format("pc {:#x} is outside the program", pc);
    auto text = vsvm::isa::disassemble({kernel.code() + pc / 8, 1});
    std::string line = text ? *text : std::string();
    // The text is ".isa 1\n    INSTRUCTION\n".
    std::size_t start = line.find("\n    ");
    line = start == std::string::npos ? "?" : line.substr(start + 5, line.size() - start - 6);
    return fmt::format("pc {:#x}: {}", pc, line);
}

std::string formatCounters(const vsvm::VmCounters& counters, bool all)
{
    std::string text;
    for (const auto& entry : counters.entries()) {
        bool always = entry.name == "faults" || entry.name == "faults_fatal";
        if (all || always || entry.value != 0)
            text += fmt::format("{}{} {}", text.empty() ? "" : ", ", entry.name, entry.value);
    }
    return text;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Run a vsvm compute kernel on buffers this program makes, and report each job's\n"
                 "status (a fault with its address and access), the buffers and the VM's counters."};
    app.set_version_flag("--version", "vsvm-run " VSVM_VERSION);
    app.footer(
        "Buffers are page-aligned memory of this process; the kernel gets their addresses.\n"
        "  --buf NAME=SIZE[:INIT]  SIZE 4096, 64K, 2M, 1G; INIT zero (default), fill=PATTERN\n"
        "                          (64-bit, little-endian), iota32, iota64, random[=SEED],\n"
        "                          f32=VALUE (every word), copy=PATH (the file's bytes)\n"
        "  --file NAME=PATH[:rw]   the file mapped shared: read-only, or with :rw the\n"
        "                          device's stores land in the file\n"
        "Arguments go to s0, s1, ... in order: NAME or NAME+OFFSET (a buffer's address),\n"
        "an integer (42, -1, 0x10), a float32 (2.5, 1e-3) or f64:VALUE.\n"
        "Example:\n"
        "  vsvm-run saxpy.vsa --groups 4 --lanes 256 --buf x=4K:f32=1 --buf y=4K:f32=2 \\\n"
        "           --arg x --arg y --arg 1024 --arg 3.0 --print y:f32:8\n"
        "A program with .args (or --signature) gets its arguments checked: their number,\n"
        "and each against its type (2 is 2.0 for an f32; a float for a u32 is an error).\n"
        "Exit status: 0 when every job ended ok; 1 when a job failed (fault, invalid\n"
        "program, timeout) or the device could not be used; 2 for bad options or input (a\n"
        "buffer, argument or program that is not valid), all checked before the device is opened.");

    std::string kernelPath;
    std::string format = "auto";
    uint32_t entry = 0;
    std::string signatureText;
    std::string groupsText = "1";
    std::string lanesText = "1";
    std::vector<std::string> bufferTexts, fileTexts, argTexts, printTexts, protectTexts;
    uint32_t iterations = 1;
    uint32_t split = 0;
    double timeoutSeconds = 0;
    std::size_t deviceIndex = 0;
    bool allCounters = false;
    bool forceProgress = false;
    bool noProgress = false;

    app.add_option("kernel", kernelPath, "Program: ISA assembly (.vsa, '-' for stdin) or a binary of vsvm-as")
        ->required()
        ->type_name("FILE");
    app.add_option("--format", format, "How to read the program: auto (by the .vsa extension), vsa or bin")
        ->check(CLI::IsMember({"auto", "vsa", "bin"}));
    app.add_option("--entry", entry, "Byte offset of the first instruction of a binary program")->type_name("OFFSET");
    app.add_option("--signature", signatureText,
                   "The parameters of a binary program, as .args writes them (\"ptr x, u32 n\"; none\n"
                   "for no parameter): the arguments are checked against them")
        ->type_name("ARGS");
    app.add_option("-g,--groups", groupsText,
                   "Workgroups: X, XxY or XxYxZ (default 1), each at most 1048576 in one job")
        ->type_name("X[xYxZ]");
    app.add_option("-l,--lanes", lanesText, "Lanes per workgroup: X, XxY or XxYxZ, at most 256 in all (default 1)")
        ->type_name("X[xYxZ]");
    app.add_option("-b,--buf", bufferTexts, "A buffer of anonymous memory (see below)")->type_name("NAME=SIZE[:INIT]");
    app.add_option("-f,--file", fileTexts, "A buffer mapping a file (see below)")->type_name("NAME=PATH[:rw]");
    app.add_option("--protect", protectTexts,
                   "Make a buffer inaccessible (none) or read-only (read) after it is filled,\n"
                   "to see the device fault on it")
        ->type_name("NAME=none|read");
    app.add_option("-a,--arg", argTexts, "The next kernel argument (see below)")->type_name("VALUE");
    app.add_option("-p,--print", printTexts,
                   "Print a buffer after the run: TYPE u8, u16, u32 (default), u64, i32, i64,\n"
                   "f32, x8, x32, x64; the first COUNT elements (default 16)")
        ->type_name("NAME[:TYPE[:COUNT]]");
    app.add_option("-n,--iterations", iterations, "Run the dispatch this many times, one job each, in order")
        ->check(CLI::Range(1u, 1u << 30));
    app.add_option("--split", split,
                   "Split the grid into jobs of at most N workgroups in x (for grids that would\n"
                   "run past the device's job timeout); each job gets the x index of its first\n"
                   "workgroup as one more, last argument, which the kernel adds to s16")
        ->type_name("N")
        ->check(CLI::Range(1u, DRM_VSVM_MAX_GROUPS));
    app.add_option("--timeout", timeoutSeconds, "Give up on a job after this many seconds (default: wait)")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber);
    app.add_option("-d,--device", deviceIndex, "Use vsvm device N (see vsvm-info)")->type_name("N");
    app.add_flag("--all-counters", allCounters, "Print every VM counter, not only those that are not 0");
    app.add_flag("--progress", forceProgress, "Show a progress bar even when stderr is not a terminal");
    app.add_flag("--no-progress", noProgress, "Never show a progress bar");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    auto bad = [](const Status& status) {
        fmt::print(stderr, "vsvm-run: {}\n", status.message());
        return kBadInput;
    };

    // Everything the user typed is checked before the device is touched:
    // the grid, the buffers, the program, the arguments against its signature.
    auto groups = vsvm::tools::parseDim3(groupsText);
    if (!groups)
        return bad(groups.status().withContext("--groups"));
    auto lanes = vsvm::tools::parseDim3(lanesText);
    if (!lanes)
        return bad(lanes.status().withContext("--lanes"));
    // One job's part of the grid; the whole may be larger with --split.
    const uint32_t chunk = split ? std::min(split, groups->x) : groups->x;
    if (Status grid = vsvm::checkGrid({chunk, groups->y, groups->z}, *lanes); !grid.ok())
        return bad(grid.withContext(fmt::format("--groups {} --lanes {}{}", groupsText, lanesText,
                                                split ? fmt::format(" --split {}", split) : "")));
    std::vector<BufferSpec> specs;
    for (const std::string& text : bufferTexts) {
        auto spec = vsvm::tools::parseBuffer(text);
        if (!spec)
            return bad(spec.status());
        specs.push_back(std::move(*spec));
    }
    for (const std::string& text : fileTexts) {
        auto spec = vsvm::tools::parseFileBuffer(text);
        if (!spec)
            return bad(spec.status());
        specs.push_back(std::move(*spec));
    }
    std::vector<std::string> names;
    for (const BufferSpec& spec : specs) {
        if (std::find(names.begin(), names.end(), spec.name) != names.end())
            return bad(Status::error(EINVAL, fmt::format("buffer '{}' declared twice", spec.name)));
        names.push_back(spec.name);
    }
    auto known = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
    if (argTexts.size() + (split ? 1 : 0) > VSVM_ISA_MAX_ARGS)
        return bad(Status::error(E2BIG, fmt::format("{} arguments{}: at most {}", argTexts.size(),
                                                    split ? " and --split's" : "", VSVM_ISA_MAX_ARGS)));
    auto kernel = loadKernel(kernelPath, format, entry, signatureText);
    if (!kernel)
        return bad(kernel.status());
    const auto& signature = kernel->signature();
    std::vector<vsvm::tools::ArgSpec> args;
    for (std::size_t i = 0; i < argTexts.size(); i++) {
        bool typed = signature && i < signature->params.size();
        auto arg = vsvm::tools::parseArg(argTexts[i], names, typed ? &signature->params[i] : nullptr,
                                         typed ? signature->describeParam(i) : "");
        if (!arg)
            return bad(arg.status());
        args.push_back(std::move(*arg));
    }
    std::vector<vsvm::tools::PrintSpec> prints;
    for (const std::string& text : printTexts) {
        auto print = vsvm::tools::parsePrint(text);
        if (!print)
            return bad(print.status());
        if (!known(print->name))
            return bad(Status::error(EINVAL, fmt::format("--print {}: no buffer '{}'", text, print->name)));
        prints.push_back(std::move(*print));
    }
    std::vector<vsvm::tools::Protection> protections;
    for (const std::string& text : protectTexts) {
        auto protection = vsvm::tools::parseProtection(text);
        if (!protection)
            return bad(protection.status());
        if (!known(protection->name))
            return bad(Status::error(EINVAL, fmt::format("--protect {}: no buffer '{}'", text, protection->name)));
        protections.push_back(std::move(*protection));
    }

    std::vector<Buffer> buffers;
    for (const BufferSpec& spec : specs) {
        auto buffer = makeBuffer(spec);
        if (!buffer)
            return bad(buffer.status());
        buffers.push_back(std::move(*buffer));
    }
    auto bufferNamed = [&](const std::string& name) -> const Buffer& {
        return *std::find_if(buffers.begin(), buffers.end(), [&](const Buffer& b) { return b.name() == name; });
    };
    for (const auto& protection : protections) {
        const Buffer& buffer = bufferNamed(protection.name);
        if (mprotect(buffer.data(), buffer.mapped(), protection.prot) != 0)
            return bad(Status::fromErrno(errno, fmt::format("--protect {}", protection.name)));
    }

    vsvm::KernelArgs kernelArgs;
    for (std::size_t i = 0; i < args.size(); i++) {
        if (const auto* ref = std::get_if<vsvm::tools::BufferRef>(&args[i])) {
            const Buffer& buffer = bufferNamed(ref->name);
            if (static_cast<uint64_t>(ref->offset) > buffer.size())
                return bad(Status::error(EINVAL, fmt::format("--arg {}: offset {:#x} is past the end of buffer "
                                                             "'{}' ({} bytes)",
                                                             argTexts[i], ref->offset, ref->name, buffer.size())));
            kernelArgs.push(buffer.data() + ref->offset);
        } else {
            const auto& number = std::get<vsvm::tools::NumberArg>(args[i]);
            kernelArgs.pushAs(number.bits, number.host);
        }
    }
    // --split's argument is a 32-bit workgroup index: the kernel must take one.
    vsvm::KernelArgs checked = kernelArgs;
    if (split)
        checked.push(uint32_t{0});
    if (Status fits = kernel->checkArgs(checked); !fits.ok())
        return bad(fits.withContext(fmt::format("{}{}", kernelPath, split ? " (with --split's last argument)" : "")));

    auto device = vsvm::Device::open(deviceIndex);
    if (!device) {
        fmt::print(stderr, "vsvm-run: {}\n", device.status().message());
        return kJobFailed;
    }
    auto vm = vsvm::Vm::create(*device);
    if (!vm) {
        fmt::print(stderr, "vsvm-run: {}\n", vm.status().message());
        return kJobFailed;
    }

    const uint64_t jobsPerIteration = (uint64_t{groups->x} + chunk - 1) / chunk;
    const uint64_t totalJobs = iterations * jobsPerIteration;
    fmt::print("program: {} ({} instructions, entry {:#x}{})\n", kernelPath, kernel->codeSize() / 8, kernel->entry(),
               signature ? fmt::format(", .args {}", signature->toString()) : "");
    fmt::print("grid: {}x{}x{} workgroups of {}x{}x{} lanes, {} arguments, {} job{}\n", groups->x, groups->y,
               groups->z, lanes->x, lanes->y, lanes->z, args.size(), totalJobs, totalJobs == 1 ? "" : "s");
    std::fflush(stdout);

    const bool progress = !noProgress && (forceProgress || (isatty(STDERR_FILENO) && totalJobs > 1));
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    vsvm::SplitOptions options{.maxGroups = chunk, .iterations = iterations, .inFlight = 16};
    if (timeoutSeconds > 0)
        options.jobTimeout =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeoutSeconds));
    if (progress) {
        options.progress = [&](uint64_t done, uint64_t total) {
            fmt::print(stderr, "\r{}", vsvm::tools::formatProgress(done, total, seconds()));
        };
        options.progressInterval = 200ms;
    }

    auto jobs = vsvm::ComputeQueue(*vm).dispatchSplit(
        *kernel, *groups, *lanes,
        [&](uint32_t first, uint32_t) {
            vsvm::KernelArgs jobArgs = kernelArgs;
            if (split)
                jobArgs.push(first);
            return jobArgs;
        },
        options);
    if (progress)
        fmt::print(stderr, "\n");
    double elapsed = seconds();
    int status = 0;
    if (!jobs && jobs.status().job()) {
        // A job that did not end well: where, and in which buffer.
        const vsvm::JobResult& failed = *jobs.status().job();
        bool addressed = failed.status == vsvm::JobStatus::Fault || failed.faultAddress != 0;
        fmt::print("{}{}\n", jobs.status().message(), addressed ? whereIs(failed.faultAddress, buffers) : "");
        bool located = failed.status == vsvm::JobStatus::Fault || failed.status == vsvm::JobStatus::InvalidProgram ||
                       failed.status == vsvm::JobStatus::Timeout;
        if (located)
            fmt::print("  the instruction at {}\n", instructionAt(*kernel, failed.pc));
        status = kJobFailed;
    } else if (!jobs) {
        fmt::print(stderr, "vsvm-run: {}\n", jobs.status().message());
        return kJobFailed;
    } else {
        fmt::print("jobs: {} ok in {:.3f} s ({:.3f} ms each)\n", *jobs, elapsed, elapsed * 1e3 / *jobs);
    }
    for (const auto& print : prints) {
        const Buffer& buffer = bufferNamed(print.name);
        bool readable = std::none_of(protections.begin(), protections.end(), [&](const auto& p) {
            return p.name == print.name && p.prot == PROT_NONE;
        });
        if (readable)
            fmt::print("{}\n", vsvm::tools::formatBuffer(print, {buffer.data(), buffer.size()}));
        else
            fmt::print("{}: not readable (--protect {}=none)\n", print.name, print.name);
    }
    auto counters = vm->counters();
    if (counters)
        fmt::print("vm counters: {}\n", formatCounters(*counters, allCounters));
    else
        fmt::print(stderr, "vsvm-run: {}\n", counters.status().message());
    return status;
}
