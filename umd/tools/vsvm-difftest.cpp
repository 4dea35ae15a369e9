// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-difftest: run the corpus (umd/corpus) on one backend and record the
// outputs, or compare them with a recording of another backend.
//
//   vsvm-difftest --corpus umd/corpus --all --backend pocl --seed 1 --record /tmp/pocl
//   vsvm-difftest --corpus umd/corpus --all --backend lavapipe --seed 1 --compare /tmp/pocl
//
// Inputs come from the manifest and the seed only, so every backend gets the
// same. A recording is a directory per kernel with one file per output
// buffer (in comparable form: pointers as buffer offsets, trees as their
// walk) and result.json. --compare prints a PASS or FAIL line per kernel
// (FAIL also when the kernel did not run), SKIP for a kernel the backend
// cannot run (no GLSL version, say), and "N agreed, M disagreed"; the exit
// status is 1 on any disagreement, 2 for a bad command line or corpus.
//
// The emu and device backends compile each kernel (front end, vsvm-cc's
// back end) unless --programs DIR names compiled programs to load instead:
// --save-programs DIR writes them there. make test compiles on the host and
// has the guest, where clang under emulation would take minutes, load them.
//
// --time REPS (informational benchmarks, tools/bench-corpus.sh): after a
// kernel's checked run (recorded or compared as above), run it REPS more
// times on its buffers reset to the generated inputs, and print
//   TIME <kernel> <backend> median_us M min_us A max_us B reps N
// Only the dispatch to the kernel's completion is timed (Backend::timedSpan
// says what that is per backend); compiling, creating the program or
// pipeline, generating the inputs, allocating and comparing are not. A timed
// run that fails or whose outputs differ from the checked run's is a FAIL.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "vsvm/oracle/corpus.h"
#include "vsvm/oracle/oracle.h"
#include "vsvm/oracle/reference.h"
#ifdef VSVM_DIFFTEST_HAVE_FRONTEND
#include "vsvm/frontend.h"
#endif
#ifdef VSVM_DIFFTEST_HAVE_CC
#include "vsvm/cc.h"
#include "vsvm/emu.h"
#include "vsvm/runtime.h"
#endif

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace vsvm;
using namespace vsvm::oracle;

namespace {

std::optional<std::string> readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

using Clock = std::chrono::steady_clock;

// Runs @p step, storing how long it took in @p elapsed.
template <typename F>
auto timed(Clock::duration& elapsed, F&& step)
{
    auto start = Clock::now();
    auto result = step();
    elapsed = Clock::now() - start;
    return result;
}

// What a backend can do with a kernel of the corpus.
class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    /// Empty when it can run @p kernel, else why not (a SKIP line).
    virtual std::string unsupported(const KernelSpec& kernel) const = 0;
    virtual Allocator allocator() = 0;
    /// Free what allocator() gave out.
    virtual void releaseAll() = 0;
    /// Run the kernel; on success @p dispatchTime is the time of what
    /// timedSpan() names, the dispatch to the kernel's completion alone.
    virtual Status run(const Corpus& corpus, const Instance& instance, Clock::duration& dispatchTime) = 0;
    /// What dispatchTime covers, for --time's output.
    virtual std::string timedSpan() const = 0;
};

// Page-aligned host memory, for the backends that take any host memory.
class HostMemory {
public:
    ~HostMemory() { releaseAll(); }
    Result<void*> allocate(std::size_t bytes)
    {
        std::size_t size = (bytes + 4095) & ~std::size_t{4095};
        void* p = std::aligned_alloc(4096, size);
        if (!p)
            return Status::error(ENOMEM, fmt::format("out of memory for {} bytes", size));
        blocks_.push_back(p);
        return p;
    }
    void releaseAll()
    {
        for (void* p : blocks_)
            std::free(p);
        blocks_.clear();
    }

private:
    std::vector<void*> blocks_;
};

class PoclBackend final : public Backend {
public:
    explicit PoclBackend(std::unique_ptr<PoclOracle> oracle) : oracle_(std::move(oracle)) {}
    ~PoclBackend() override { releaseAll(); }
    std::string name() const override { return "pocl"; }
    std::string unsupported(const KernelSpec&) const override { return {}; }
    Allocator allocator() override
    {
        return [this](std::size_t bytes) -> Result<void*> {
            Result<void*> p = oracle_->allocateShared(bytes);
            if (p.ok())
                blocks_.push_back(*p);
            return p;
        };
    }
    void releaseAll() override
    {
        for (void* p : blocks_)
            oracle_->release(p);
        blocks_.clear();
    }
    Status run(const Corpus& corpus, const Instance& instance, Clock::duration& dispatchTime) override
    {
        const KernelSpec& k = instance.spec();
        auto source = readText(corpus.clPath(k));
        if (!source)
            return Status::fromErrno(errno ? errno : ENOENT, "read " + corpus.clPath(k));
        std::string options = "-cl-std=CL1.2 " + k.clOptions;
        std::vector<Arg> args = instance.args();
        Status status = oracle_->run(*source, options, k.entry, args, instance.range(), instance.buffers());
        dispatchTime = oracle_->lastDispatchTime();
        return status;
    }
    std::string timedSpan() const override
    {
        return "clEnqueueNDRangeKernel to the end of clFinish (PoCL's CPU device, all its threads)";
    }

private:
    std::unique_ptr<PoclOracle> oracle_;
    std::vector<void*> blocks_;
};

class LavapipeBackend final : public Backend {
public:
    explicit LavapipeBackend(std::unique_ptr<LavapipeOracle> oracle) : oracle_(std::move(oracle)) {}
    std::string name() const override { return "lavapipe"; }
    std::string unsupported(const KernelSpec& k) const override
    {
        return k.glsl ? std::string() : "no GLSL version (\"glsl\": false in the manifest)";
    }
    Allocator allocator() override
    {
        return [this](std::size_t bytes) { return memory_.allocate(bytes); };
    }
    void releaseAll() override { memory_.releaseAll(); }
    Status run(const Corpus& corpus, const Instance& instance, Clock::duration& dispatchTime) override
    {
#ifdef VSVM_DIFFTEST_HAVE_FRONTEND
        const KernelSpec& k = instance.spec();
        auto source = readText(corpus.glslPath(k));
        if (!source)
            return Status::fromErrno(errno ? errno : ENOENT, "read " + corpus.glslPath(k));
        frontend::GlslOptions options;
        options.sourceName = k.name + ".comp";
        options.defines = instance.glslDefines();
        Result<frontend::Module> module = frontend::glslToSpirv(*source, frontend::GlslStage::Compute, options);
        if (!module.ok())
            return module.status();
        std::vector<Arg> args = instance.args();
        Status status =
            oracle_->run(module->words, "main", args, instance.range(), instance.buffers(), k.pointersInData());
        dispatchTime = oracle_->lastDispatchTime();
        return status;
#else
        (void)corpus;
        (void)instance;
        (void)dispatchTime;
        return Status::error(ENOTSUP, "lavapipe: built without the GLSL front end (vsvm_frontend)");
#endif
    }
    std::string timedSpan() const override
    {
        return "vkQueueSubmit to the end of vkWaitForFences (lavapipe, all its threads)";
    }

private:
    std::unique_ptr<LavapipeOracle> oracle_;
    HostMemory memory_;
};

#ifdef VSVM_DIFFTEST_HAVE_CC
// A corpus kernel compiled by the vsvm compiler, with its launch arguments
// (one 64-bit slot each, cc.h's ABI) and private stacks.
struct Compiled {
    cc::CompiledKernel kernel;
    std::vector<std::uint64_t> args;
    std::array<std::uint32_t, 3> groups{1, 1, 1};
    std::vector<std::uint8_t> privateStacks;
};

// --programs / --save-programs: compiled kernels as JSON files
// (<dir>/<kernel>.<opencl|glsl>.json), the words in hex.
struct ProgramCache {
    std::string loadDir, saveDir;
};
ProgramCache programCache;

// corpus.json's "vsvm_unsupported": {"opencl"|"glsl": "text of the compile
// error"}: kernels the vsvm compiler refuses today, with the diagnostic it
// must give (docs/compiler.rst, unsupported constructs). The emulator run
// checks that the compile fails with that text (XFAIL, counted as skipped);
// a kernel that compiles after all is a failure (XPASS), so the list stays
// true. The device run skips them (there is no program to load).
std::map<std::string, std::map<std::string, std::string>> expectedUnsupported;

void loadExpectedUnsupported(const std::string& corpusDir)
{
    auto text = readText((fs::path(corpusDir) / "corpus.json").string());
    if (!text)
        return;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.contains("kernels"))
        return;
    for (const json& k : j["kernels"]) {
        if (!k.contains("vsvm_unsupported"))
            continue;
        for (auto& [source, message] : k["vsvm_unsupported"].items())
            expectedUnsupported[k.value("name", "")][source] = message.get<std::string>();
    }
}

std::optional<std::string> unsupportedMessage(const std::string& kernel, bool glsl)
{
    auto k = expectedUnsupported.find(kernel);
    if (k == expectedUnsupported.end())
        return std::nullopt;
    auto m = k->second.find(glsl ? "glsl" : "opencl");
    if (m == k->second.end())
        return std::nullopt;
    return m->second;
}

std::string programFile(const std::string& dir, const KernelSpec& k, bool glsl)
{
    return (fs::path(dir) / (k.name + (glsl ? ".glsl" : ".opencl") + ".json")).string();
}

Status saveProgram(const std::string& file, const cc::CompiledKernel& kernel)
{
    json words = json::array();
    for (std::uint64_t w : kernel.program.words)
        words.push_back(fmt::format("{:016x}", w));
    json j = {{"name", kernel.name},
              {"entry", kernel.program.entry},
              {"isa_version", kernel.program.isaVersion},
              {"local_size", kernel.localSize},
              {"lds_bytes", kernel.ldsBytes},
              {"private_bytes_per_lane", kernel.privateBytesPerLane},
              {"words", words}};
    std::error_code ec;
    fs::create_directories(fs::path(file).parent_path(), ec);
    std::ofstream out(file);
    out << j.dump(1) << "\n";
    if (!out)
        return Status::fromErrno(errno ? errno : EIO, "write " + file);
    return {};
}

Result<cc::CompiledKernel> loadProgram(const std::string& file)
{
    auto text = readText(file);
    if (!text)
        return Status::fromErrno(errno ? errno : ENOENT, "read " + file);
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("words") || !j["words"].is_array())
        return Status::error(EINVAL, file + ": not a compiled program");
    cc::CompiledKernel kernel;
    try {
        kernel.name = j.value("name", "");
        kernel.program.entry = j.at("entry").get<std::uint32_t>();
        kernel.program.isaVersion = j.at("isa_version").get<std::uint32_t>();
        kernel.localSize = j.at("local_size").get<std::array<std::uint32_t, 3>>();
        kernel.ldsBytes = j.at("lds_bytes").get<std::uint32_t>();
        kernel.privateBytesPerLane = j.at("private_bytes_per_lane").get<std::uint64_t>();
        for (const json& w : j.at("words"))
            kernel.program.words.push_back(std::stoull(w.get<std::string>(), nullptr, 16));
    } catch (const std::exception& e) {
        return Status::error(EINVAL, fmt::format("{}: {}", file, e.what()));
    }
    return kernel;
}

Result<cc::CompiledKernel> compileSource(const Corpus& corpus, const Instance& instance, bool glsl,
                                         const std::string& path)
{
    (void)corpus;
    const KernelSpec& k = instance.spec();
    auto source = readText(path);
    if (!source)
        return Status::fromErrno(errno ? errno : ENOENT, "read " + path);
    Result<frontend::Module> module = Status::error(EINVAL, "no source");
    if (glsl) {
        frontend::GlslOptions options;
        options.sourceName = k.name + ".comp";
        options.defines = instance.glslDefines();
        module = frontend::glslToSpirv(*source, frontend::GlslStage::Compute, options);
    } else {
        frontend::OpenclOptions options;
        options.sourceName = k.name + ".cl";
        options.clStd = "CL1.2";
        module = frontend::openclToSpirv(*source, options);
    }
    if (!module.ok())
        return module.status();
    cc::Options options;
    options.entryPoint = glsl ? "main" : k.entry;
    std::vector<cc::Diagnostic> diagnostics;
    Result<cc::CompiledKernel> kernel = cc::compile(module->words, options, &diagnostics);
    if (!kernel.ok()) {
        // The status repeats the first diagnostic: add the others.
        std::string text = kernel.status().message();
        for (std::size_t i = 1; i < diagnostics.size(); i++)
            text += "\n    " + cc::formatDiagnostic(diagnostics[i]);
        return Status::error(kernel.status().errnum(), "compile " + path + ": " + text);
    }
    return kernel;
}

// The programs compiled or loaded so far, by source file: --time runs each
// kernel again and again, and compiling is not what it measures.
std::map<std::string, cc::CompiledKernel> compiledPrograms;

Result<Compiled> compileForVsvm(const Corpus& corpus, const Instance& instance, bool glsl)
{
    const KernelSpec& k = instance.spec();
    std::string path = glsl ? corpus.glslPath(k) : corpus.clPath(k);
    auto known = compiledPrograms.find(path);
    if (known == compiledPrograms.end()) {
        Result<cc::CompiledKernel> made = programCache.loadDir.empty()
                                              ? compileSource(corpus, instance, glsl, path)
                                              : loadProgram(programFile(programCache.loadDir, k, glsl));
        if (!made.ok())
            return made.status();
        if (!programCache.saveDir.empty()) {
            if (Status s = saveProgram(programFile(programCache.saveDir, k, glsl), *made); !s.ok())
                return s;
        }
        known = compiledPrograms.emplace(path, std::move(*made)).first;
    }
    const cc::CompiledKernel* kernel = &known->second;
    NDRange range = instance.range();
    const auto& fixed = kernel->localSize;
    if (fixed != std::array<std::uint32_t, 3>{0, 0, 0} && fixed != range.local)
        return Status::error(EINVAL, fmt::format("{}: the kernel's workgroup size {}x{}x{} is not the manifest's "
                                                 "{}x{}x{}", path, fixed[0], fixed[1], fixed[2], range.local[0],
                                                 range.local[1], range.local[2]));
    Compiled out;
    out.kernel = *kernel;
    std::uint64_t lanes = 1;
    for (unsigned d = 0; d < 3; d++) {
        out.groups[d] = range.global[d] / range.local[d];
        lanes *= range.global[d];
    }
    for (const Arg& arg : instance.args()) {
        std::uint64_t bits = arg.bits;
        if (arg.kind == Arg::Kind::I32)
            bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(bits)));
        out.args.push_back(bits);
    }
    if (out.kernel.privateBytesPerLane) {
        out.privateStacks.assign(out.kernel.privateBytesPerLane * lanes + 8, 0);
        auto base = (reinterpret_cast<std::uintptr_t>(out.privateStacks.data()) + 7) & ~std::uintptr_t{7};
        out.args.push_back(base);
    }
    if (out.args.size() > VSVM_ISA_MAX_ARGS)
        return Status::error(E2BIG, fmt::format("{}: {} arguments (with the private stacks), at most {}", path,
                                                out.args.size(), VSVM_ISA_MAX_ARGS));
    return out;
}

// What the emulator and the device share: the vsvm compiler's program of
// the kernel (compileForVsvm()), over plain host memory.
class CompiledBackend : public Backend {
public:
    explicit CompiledBackend(bool glsl) : glsl_(glsl) {}
    std::string unsupported(const KernelSpec& k) const override
    {
        return !glsl_ || k.glsl ? std::string() : "no GLSL version (\"glsl\": false in the manifest)";
    }
    Allocator allocator() override
    {
        return [this](std::size_t bytes) { return memory_.allocate(bytes); };
    }
    void releaseAll() override { memory_.releaseAll(); }
    Status run(const Corpus& corpus, const Instance& instance, Clock::duration& dispatchTime) override
    {
        Result<Compiled> compiled = compileForVsvm(corpus, instance, glsl_);
        if (!compiled.ok())
            return compiled.status();
        return dispatch(*compiled, instance, dispatchTime);
    }

protected:
    /// Run @p compiled; @p dispatchTime as for run().
    virtual Status dispatch(const Compiled& compiled, const Instance& instance, Clock::duration& dispatchTime) = 0;

private:
    bool glsl_;
    HostMemory memory_;
};

// The compiled kernel on the host emulator (vsvm/emu.h): the driver's interpreter.
class EmuBackend final : public CompiledBackend {
public:
    explicit EmuBackend(bool glsl) : CompiledBackend(glsl) {}
    std::string name() const override { return "emu"; }
    std::string timedSpan() const override { return "the emu::run call (the driver's interpreter, one thread)"; }

protected:
    Status dispatch(const Compiled& compiled, const Instance& instance, Clock::duration& dispatchTime) override
    {
        NDRange range = instance.range();
        std::vector<emu::HostRange> ranges;
        for (const HostBuffer& b : instance.buffers())
            ranges.push_back({b.base, b.size, emu::Access::ReadWrite});
        if (!compiled.privateStacks.empty())
            ranges.push_back({compiled.privateStacks.data(), compiled.privateStacks.size(), emu::Access::ReadWrite});
        emu::Launch launch{.program = compiled.kernel.program.words,
                           .entry = compiled.kernel.program.entry,
                           .isaVersion = compiled.kernel.program.isaVersion,
                           .groupSize = range.local,
                           .numGroups = compiled.groups,
                           .args = compiled.args};
        Result<emu::RunResult> result = timed(dispatchTime, [&] {
            return emu::run(launch, ranges, {.threads = 1, .maxInstructions = 1ull << 34});
        });
        if (!result.ok())
            return result.status();
        if (!result->ok())
            return Status::error(EIO, "emulator: " + result->describe());
        return {};
    }
};

// The compiled kernel on a vsvm device through libvsvm (in the guest).
class DeviceBackend final : public CompiledBackend {
public:
    DeviceBackend(bool glsl, Device device, Vm vm)
        : CompiledBackend(glsl), device_(std::move(device)), vm_(std::move(vm)), queue_(vm_)
    {
    }
    std::string name() const override { return "device"; }
    std::string timedSpan() const override
    {
        return "ComputeQueue::submit to the end of Fence::waitOk (the vsvm device)";
    }

protected:
    Status dispatch(const Compiled& compiled, const Instance& instance, Clock::duration& dispatchTime) override
    {
        const isa::Program& program = compiled.kernel.program;
        Result<Kernel> kernel = Kernel::fromWords(program.words, program.entry, std::nullopt, program.isaVersion);
        if (!kernel.ok())
            return kernel.status();
        KernelArgs args;
        for (std::uint64_t bits : compiled.args)
            args.pushBits(bits);
        NDRange range = instance.range();
        Dispatch dispatch{.kernel = &*kernel,
                          .groups = {compiled.groups[0], compiled.groups[1], compiled.groups[2]},
                          .lanes = {range.local[0], range.local[1], range.local[2]},
                          .args = args};
        return timed(dispatchTime, [&] {
            Result<Fence> fence = queue_.submit(std::span<const Dispatch>(&dispatch, 1));
            return fence.ok() ? fence->waitOk() : fence.status();
        });
    }

private:
    Device device_;
    Vm vm_;
    ComputeQueue queue_;
};
#endif

// The C++ reference implementations (vsvm/oracle/reference.h), on the host.
class ReferenceBackend final : public Backend {
public:
    std::string name() const override { return "reference"; }
    std::string unsupported(const KernelSpec& k) const override
    {
        return hasReference(k.name) ? std::string() : "no C++ reference implementation";
    }
    Allocator allocator() override
    {
        return [this](std::size_t bytes) { return memory_.allocate(bytes); };
    }
    void releaseAll() override { memory_.releaseAll(); }
    Status run(const Corpus&, const Instance& instance, Clock::duration& dispatchTime) override
    {
        return timed(dispatchTime, [&] { return runReference(instance); });
    }
    std::string timedSpan() const override { return "the C++ reference function (one thread)"; }

private:
    HostMemory memory_;
};

Result<std::unique_ptr<Backend>> openBackend(const std::string& name, bool glsl)
{
#ifdef VSVM_DIFFTEST_HAVE_CC
    if (name == "emu")
        return std::unique_ptr<Backend>(std::make_unique<EmuBackend>(glsl));
    if (name == "device") {
        Result<Device> device = Device::open(0);
        if (!device.ok())
            return device.status();
        Result<Vm> vm = Vm::create(*device);
        if (!vm.ok())
            return vm.status();
        return std::unique_ptr<Backend>(std::make_unique<DeviceBackend>(glsl, std::move(*device), std::move(*vm)));
    }
#else
    (void)glsl;
#endif
    if (name == "reference")
        return std::unique_ptr<Backend>(std::make_unique<ReferenceBackend>());
    if (name == "pocl") {
        auto oracle = PoclOracle::open();
        if (!oracle.ok())
            return oracle.status();
        return std::unique_ptr<Backend>(std::make_unique<PoclBackend>(std::move(*oracle)));
    }
    if (name == "lavapipe") {
        auto oracle = LavapipeOracle::open();
        if (!oracle.ok())
            return oracle.status();
        return std::unique_ptr<Backend>(std::make_unique<LavapipeBackend>(std::move(*oracle)));
    }
    // emu and device run what the vsvm compiler makes of the SPIR-V: they
    // come with the compiler library (vsvm/cc.h).
    return Status::error(ENOTSUP, fmt::format("backend '{}' needs the vsvm compiler (vsvm/cc.h), which this build "
                                              "does not have yet",
                                              name));
}

Status writeFile(const fs::path& path, std::span<const std::uint8_t> bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        return Status::fromErrno(errno ? errno : EIO, "write " + path.string());
    return {};
}

Status record(const fs::path& dir, const Instance& instance, const std::string& backend, std::uint64_t seed)
{
    const KernelSpec& k = instance.spec();
    fs::path kdir = dir / k.name;
    std::error_code ec;
    fs::create_directories(kdir, ec);
    if (ec)
        return Status::fromErrno(ec.value(), "create " + kdir.string());
    json result = {{"kernel", k.name}, {"backend", backend}, {"seed", seed}, {"outputs", json::object()}};
    for (const auto& [name, bytes] : instance.outputs()) {
        if (Status s = writeFile(kdir / (name + ".bin"), bytes); !s.ok())
            return s;
        result["outputs"][name] = {{"file", name + ".bin"}, {"bytes", bytes.size()}};
    }
    std::ofstream out(kdir / "result.json");
    out << result.dump(2) << "\n";
    if (!out)
        return Status::fromErrno(errno ? errno : EIO, "write " + (kdir / "result.json").string());
    return {};
}

using Outputs = std::map<std::string, std::vector<std::uint8_t>>;

// Empty when @p actual agrees with @p expected under the manifest's rules;
// else the reasons, one per output buffer.
std::vector<std::string> compareOutputs(const KernelSpec& k, const Outputs& expected, const Outputs& actual)
{
    std::vector<std::string> reasons;
    for (const BufferSpec& b : k.buffers) {
        if (!b.output)
            continue;
        auto want = expected.find(b.name);
        if (want == expected.end()) {
            reasons.push_back(fmt::format("{}: not in the recording", b.name));
            continue;
        }
        auto got = actual.find(b.name);
        Comparison c = compare(b, *b.output, want->second,
                               got == actual.end() ? std::span<const std::uint8_t>() : std::span(got->second));
        if (!c.equal)
            reasons.push_back(fmt::format("{}: {} mismatches, first {}", b.name, c.mismatches, c.firstMismatch));
    }
    return reasons;
}

// Empty when they agree; else the reasons, one per buffer.
Result<std::vector<std::string>> compareWith(const fs::path& dir, const Instance& instance, std::uint64_t seed,
                                             std::string& recordedBackend)
{
    const KernelSpec& k = instance.spec();
    fs::path kdir = dir / k.name;
    auto text = readText((kdir / "result.json").string());
    if (!text)
        return Status::error(ENOENT, fmt::format("no recording of '{}' in {}", k.name, dir.string()));
    json recorded = json::parse(*text, nullptr, false);
    if (recorded.is_discarded() || !recorded.contains("outputs"))
        return Status::error(EINVAL, fmt::format("{}: not a recording", (kdir / "result.json").string()));
    recordedBackend = recorded.value("backend", "?");
    if (recorded.value("seed", ~std::uint64_t{0}) != seed)
        return Status::error(EINVAL, fmt::format("the recording of '{}' has seed {}, not {}", k.name,
                                                 recorded.value("seed", 0), seed));
    Outputs expected;
    for (const BufferSpec& b : k.buffers) {
        if (!b.output)
            continue;
        if (auto bytes = readText((kdir / (b.name + ".bin")).string()))
            expected[b.name].assign(bytes->begin(), bytes->end());
    }
    return compareOutputs(k, expected, instance.outputs());
}

// --time: the contents of every buffer before the checked run, to reset them
// to before each timed run. Pointers in the data stay valid: the buffers
// are the same.
using Snapshot = std::vector<std::vector<std::uint8_t>>;

Snapshot snapshot(const Instance& instance)
{
    Snapshot out;
    for (const Instance::Buffer& b : instance.buffersInfo())
        out.emplace_back(b.data, b.data + b.bytes);
    return out;
}

void restore(const Instance& instance, const Snapshot& inputs)
{
    auto buffers = instance.buffersInfo();
    for (std::size_t i = 0; i < buffers.size(); i++)
        std::memcpy(buffers[i].data, inputs[i].data(), buffers[i].bytes);
}

// Run the kernel @p reps more times on @p inputs, each run's outputs checked
// against the checked run's (@p expected): the times of what the backend
// times (Backend::timedSpan), one per run.
Result<std::vector<Clock::duration>> timeRuns(Backend& backend, const Corpus& corpus, const Instance& instance,
                                              const Snapshot& inputs, const Outputs& expected, unsigned reps)
{
    std::vector<Clock::duration> times;
    for (unsigned rep = 1; rep <= reps; rep++) {
        restore(instance, inputs);
        Clock::duration elapsed{};
        if (Status s = backend.run(corpus, instance, elapsed); !s.ok())
            return Status::error(s.errnum(), fmt::format("timed run {}: {}", rep, s.message()));
        if (auto reasons = compareOutputs(instance.spec(), expected, instance.outputs()); !reasons.empty())
            return Status::error(EIO, fmt::format("timed run {} differs from the checked run: {}", rep, reasons[0]));
        times.push_back(elapsed);
    }
    return times;
}

// Median (of an even count: the mean of the middle two), minimum and
// maximum, in microseconds.
struct TimeSummary {
    double medianUs = 0, minUs = 0, maxUs = 0;
    std::size_t reps = 0;
};

TimeSummary summarize(std::vector<Clock::duration> times)
{
    auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
    TimeSummary out;
    out.reps = times.size();
    if (times.empty())
        return out;
    std::sort(times.begin(), times.end());
    std::size_t mid = times.size() / 2;
    out.medianUs = times.size() % 2 ? us(times[mid]) : (us(times[mid - 1]) + us(times[mid])) / 2;
    out.minUs = us(times.front());
    out.maxUs = us(times.back());
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Run the differential-testing corpus on a backend; record its outputs or compare them with a "
                 "recording"};
    std::string corpusDir, kernelName, backendName, recordDir, compareDir;
    bool all = false;
    std::uint64_t seed = 1;
    app.add_option("--corpus", corpusDir, "corpus directory (with corpus.json)")->required();
    auto* kernelOpt = app.add_option("--kernel", kernelName, "one kernel of the corpus");
    auto* allOpt = app.add_flag("--all", all, "every kernel of the corpus");
    kernelOpt->excludes(allOpt);
    app.add_option("--backend", backendName, "pocl, lavapipe, emu, device, or reference (the C++ implementations)")
        ->required()
        ->check(CLI::IsMember({"pocl", "lavapipe", "emu", "device", "reference"}));
    app.add_option("--seed", seed, "seed of the generated inputs");
    std::string source = "opencl";
    app.add_option("--source", source, "emu, device: compile the OpenCL C (default) or the GLSL version")
        ->check(CLI::IsMember({"opencl", "glsl"}));
#ifdef VSVM_DIFFTEST_HAVE_CC
    app.add_option("--programs", programCache.loadDir,
                   "emu, device: load the compiled kernels from this directory instead of compiling");
    app.add_option("--save-programs", programCache.saveDir,
                   "emu, device: write the compiled kernels to this directory (for --programs)");
#endif
    unsigned timeReps = 0;
    app.add_option("--time", timeReps,
                   "after each kernel's checked run, time REPS more runs (dispatch to completion only) and print "
                   "TIME lines")
        ->check(CLI::Range(3u, 1000000u));
    auto* recordOpt = app.add_option("--record", recordDir, "write the outputs to this directory");
    auto* compareOpt = app.add_option("--compare", compareDir, "compare the outputs with the recording here");
    recordOpt->excludes(compareOpt);
    if (auto status = tools::parseCommandLine(app, argc, argv))
        return *status;
    if (!all && kernelName.empty()) {
        std::fprintf(stderr, "vsvm-difftest: give --kernel NAME or --all\n");
        return tools::kBadUsage;
    }
    if (recordDir.empty() && compareDir.empty()) {
        std::fprintf(stderr, "vsvm-difftest: give --record DIR or --compare DIR\n");
        return tools::kBadUsage;
    }

    Result<Corpus> corpus = loadCorpus(corpusDir);
#ifdef VSVM_DIFFTEST_HAVE_CC
    loadExpectedUnsupported(corpusDir);
#endif
    if (!corpus.ok()) {
        std::fprintf(stderr, "vsvm-difftest: %s\n", corpus.status().message().c_str());
        return tools::kBadUsage;
    }
    std::vector<const KernelSpec*> kernels;
    if (all) {
        for (const KernelSpec& k : corpus->kernels)
            kernels.push_back(&k);
    } else if (const KernelSpec* k = corpus->find(kernelName)) {
        kernels.push_back(k);
    } else {
        std::fprintf(stderr, "vsvm-difftest: no kernel '%s' in %s/corpus.json\n", kernelName.c_str(),
                     corpusDir.c_str());
        return tools::kBadUsage;
    }

    Result<std::unique_ptr<Backend>> backend = openBackend(backendName, source == "glsl");
    if (!backend.ok()) {
        std::fprintf(stderr, "vsvm-difftest: %s\n", backend.status().message().c_str());
        return 1;
    }

    if (timeReps)
        std::printf("TIMING %s: %s; %u runs per kernel after the checked one, buffers reset to the inputs before "
                    "each\n", backendName.c_str(), (*backend)->timedSpan().c_str(), timeReps);
    unsigned agreed = 0, disagreed = 0, skipped = 0, recorded = 0;
    for (const KernelSpec* k : kernels) {
        if (std::string why = (*backend)->unsupported(*k); !why.empty()) {
            std::printf("SKIP %s: %s cannot run it: %s\n", k->name.c_str(), backendName.c_str(), why.c_str());
            skipped++;
            continue;
        }
#ifdef VSVM_DIFFTEST_HAVE_CC
        if (auto expected = unsupportedMessage(k->name, source == "glsl");
            expected && (backendName == "emu" || backendName == "device")) {
            if (backendName == "device" || !programCache.loadDir.empty()) {
                std::printf("SKIP %s: the vsvm compiler does not support it yet (%s)\n", k->name.c_str(),
                            expected->c_str());
                skipped++;
                continue;
            }
            Result<Instance> probe = Instance::create(*k, seed, (*backend)->allocator());
            Result<Compiled> compiled = probe.ok() ? compileForVsvm(*corpus, *probe, source == "glsl")
                                                   : Result<Compiled>(probe.status());
            (*backend)->releaseAll();
            if (compiled.ok()) {
                std::printf("FAIL %s: compiles, but corpus.json says the compiler refuses it (%s): "
                            "update vsvm_unsupported\n", k->name.c_str(), expected->c_str());
                disagreed++;
            } else if (compiled.status().message().find(*expected) == std::string::npos) {
                std::printf("FAIL %s: not the expected compile error '%s': %s\n", k->name.c_str(),
                            expected->c_str(), compiled.status().message().c_str());
                disagreed++;
            } else {
                std::printf("SKIP %s: XFAIL, the compiler refuses it as expected: %s\n", k->name.c_str(),
                            compiled.status().message().c_str());
                skipped++;
            }
            continue;
        }
#endif
        Result<Instance> instance = Instance::create(*k, seed, (*backend)->allocator());
        Snapshot inputs;
        if (timeReps && instance.ok())
            inputs = snapshot(*instance);
        Clock::duration dispatchTime{};
        Status status = instance.ok() ? (*backend)->run(*corpus, *instance, dispatchTime) : instance.status();
        bool checked = false; // recorded, or agrees with the recording: --time may time it
        if (!status.ok()) {
            std::printf("FAIL %s: %s did not run it: %s\n", k->name.c_str(), backendName.c_str(),
                        status.message().c_str());
            disagreed++;
        } else if (!recordDir.empty()) {
            if (Status s = record(recordDir, *instance, backendName, seed); !s.ok()) {
                std::printf("FAIL %s: %s\n", k->name.c_str(), s.message().c_str());
                disagreed++;
            } else {
                std::printf("RECORDED %s\n", k->name.c_str());
                recorded++;
                checked = true;
            }
        } else {
            std::string other;
            auto reasons = compareWith(compareDir, *instance, seed, other);
            if (!reasons.ok()) {
                std::printf("FAIL %s: %s\n", k->name.c_str(), reasons.status().message().c_str());
                disagreed++;
            } else if (reasons->empty()) {
                std::printf("PASS %s: %s agrees with %s\n", k->name.c_str(), backendName.c_str(), other.c_str());
                agreed++;
                checked = true;
            } else {
                std::printf("FAIL %s: %s disagrees with %s:\n", k->name.c_str(), backendName.c_str(), other.c_str());
                for (const std::string& reason : *reasons)
                    std::printf("  %s\n", reason.c_str());
                disagreed++;
            }
        }
        if (checked && timeReps) {
            auto times = timeRuns(**backend, *corpus, *instance, inputs, instance->outputs(), timeReps);
            if (!times.ok()) {
                std::printf("FAIL %s: %s\n", k->name.c_str(), times.status().message().c_str());
                disagreed++;
            } else {
                TimeSummary t = summarize(std::move(*times));
                std::printf("TIME %s %s median_us %.2f min_us %.2f max_us %.2f reps %zu\n", k->name.c_str(),
                            backendName.c_str(), t.medianUs, t.minUs, t.maxUs, t.reps);
            }
        }
        (*backend)->releaseAll();
        std::fflush(stdout);
    }
    if (!recordDir.empty())
        std::printf("%u recorded, %u failed, %u skipped\n", recorded, disagreed, skipped);
    else
        std::printf("%u agreed, %u disagreed, %u skipped\n", agreed, disagreed, skipped);
    return disagreed ? 1 : 0;
}
