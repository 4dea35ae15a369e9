// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The oracles (PoCL, lavapipe) and the corpus: every corpus kernel on each
// oracle agrees with its C++ reference implementation, which validates the
// kernels, the manifest, the generators and the oracles at once. A missing
// OpenCL or Vulkan driver fails the tests (with a pointer at tools/deps.sh):
// the packages are in tools/packages.txt.

#include <bit>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsvm/frontend.h"
#include "vsvm/oracle/corpus.h"
#include "vsvm/oracle/oracle.h"
#include "vsvm/oracle/reference.h"

namespace vsvm::oracle {
namespace {

using ::testing::HasSubstr;

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const Corpus& corpus()
{
    static const Corpus loaded = [] {
        Result<Corpus> c = loadCorpus(VSVM_CORPUS_DIR);
        if (!c.ok()) {
            ADD_FAILURE() << c.status().message();
            return Corpus{};
        }
        return std::move(*c);
    }();
    return loaded;
}

PoclOracle* pocl()
{
    static std::unique_ptr<PoclOracle> oracle = [] {
        auto o = PoclOracle::open();
        if (!o.ok()) {
            ADD_FAILURE() << o.status().message();
            return std::unique_ptr<PoclOracle>();
        }
        return std::move(*o);
    }();
    return oracle.get();
}

LavapipeOracle* lavapipe()
{
    static std::unique_ptr<LavapipeOracle> oracle = [] {
        auto o = LavapipeOracle::open();
        if (!o.ok()) {
            ADD_FAILURE() << o.status().message();
            return std::unique_ptr<LavapipeOracle>();
        }
        return std::move(*o);
    }();
    return oracle.get();
}

// Host memory freed at the end of a test.
class Arena {
public:
    ~Arena()
    {
        for (void* p : blocks_)
            std::free(p);
    }
    Allocator allocator()
    {
        return [this](std::size_t bytes) -> Result<void*> {
            void* p = std::aligned_alloc(4096, (bytes + 4095) & ~std::size_t{4095});
            if (!p)
                return Status::error(ENOMEM, "out of memory");
            blocks_.push_back(p);
            return p;
        };
    }

private:
    std::vector<void*> blocks_;
};

// Every output of @p actual agrees with @p expected under the manifest's rules.
void expectAgree(const Instance& expected, const Instance& actual, const std::string& who)
{
    auto want = expected.outputs(), got = actual.outputs();
    ASSERT_FALSE(want.empty()) << who;
    for (const BufferSpec& b : expected.spec().buffers) {
        if (!b.output)
            continue;
        Comparison c = compare(b, *b.output, want[b.name], got[b.name]);
        EXPECT_TRUE(c.equal) << who << ": " << expected.spec().name << "." << b.name << ": " << c.mismatches
                             << " mismatches, first " << c.firstMismatch;
    }
}

TEST(Oracle, DriversArePresent)
{
    ASSERT_NE(pocl(), nullptr);
    EXPECT_THAT(pocl()->deviceDescription(), HasSubstr("PoCL"));
    ASSERT_NE(lavapipe(), nullptr);
    EXPECT_THAT(lavapipe()->deviceDescription(), HasSubstr("llvmpipe"));
    EXPECT_GT(lavapipe()->importAlignment(), 0u);
}

TEST(Corpus, HasTheKernelsWithSourcesAndReferences)
{
    EXPECT_GE(corpus().kernels.size(), 20u);
    for (const KernelSpec& k : corpus().kernels) {
        EXPECT_TRUE(std::filesystem::exists(corpus().clPath(k))) << k.name;
        EXPECT_EQ(std::filesystem::exists(corpus().glslPath(k)), k.glsl) << k.name;
        EXPECT_TRUE(hasReference(k.name)) << k.name;
        EXPECT_TRUE(std::any_of(k.buffers.begin(), k.buffers.end(), [](const BufferSpec& b) { return !!b.output; }))
            << k.name << " has no output";
    }
}

class CorpusKernel : public ::testing::TestWithParam<std::string> {
protected:
    const KernelSpec& spec()
    {
        const KernelSpec* k = corpus().find(GetParam());
        EXPECT_NE(k, nullptr);
        return *k;
    }

    // The reference's outputs for seed 7.
    Instance reference(Arena& arena)
    {
        Result<Instance> inst = Instance::create(spec(), 7, arena.allocator());
        EXPECT_TRUE(inst.ok()) << inst.status().message();
        Status s = runReference(*inst);
        EXPECT_TRUE(s.ok()) << s.message();
        return std::move(*inst);
    }
};

TEST_P(CorpusKernel, PoclAgreesWithReference)
{
    ASSERT_NE(pocl(), nullptr);
    Arena arena;
    Instance want = reference(arena);
    std::vector<void*> shared;
    Result<Instance> inst = Instance::create(spec(), 7, [&](std::size_t bytes) {
        Result<void*> p = pocl()->allocateShared(bytes);
        if (p.ok())
            shared.push_back(*p);
        return p;
    });
    ASSERT_TRUE(inst.ok()) << inst.status().message();
    std::vector<Arg> args = inst->args();
    Status s = pocl()->run(readFile(corpus().clPath(spec())), "-cl-std=CL1.2 " + spec().clOptions, spec().entry, args,
                           inst->range(), inst->buffers());
    ASSERT_TRUE(s.ok()) << s.message();
    expectAgree(want, *inst, "pocl");
    for (void* p : shared)
        pocl()->release(p);
}

TEST_P(CorpusKernel, LavapipeAgreesWithReference)
{
    if (!spec().glsl) {
        // Nothing to run: the kernel has no GLSL version. Check that this
        // is what the manifest says rather than counting it as a pass.
        EXPECT_FALSE(std::filesystem::exists(corpus().glslPath(spec())));
        return;
    }
    ASSERT_NE(lavapipe(), nullptr);
    Arena arena;
    Instance want = reference(arena);
    Result<Instance> inst = Instance::create(spec(), 7, arena.allocator());
    ASSERT_TRUE(inst.ok()) << inst.status().message();
    frontend::GlslOptions options;
    options.sourceName = spec().name + ".comp";
    options.defines = inst->glslDefines();
    auto module = frontend::glslToSpirv(readFile(corpus().glslPath(spec())), frontend::GlslStage::Compute, options);
    ASSERT_TRUE(module.ok()) << module.status().message();
    std::vector<Arg> args = inst->args();
    Status s = lavapipe()->run(module->words, "main", args, inst->range(), inst->buffers(), spec().pointersInData());
    ASSERT_TRUE(s.ok()) << s.message();
    expectAgree(want, *inst, "lavapipe");
    if (spec().pointersInData()) {
        EXPECT_TRUE(lavapipe()->hostAddressesAreDeviceAddresses());
    }
}

std::vector<std::string> kernelNames()
{
    std::vector<std::string> names;
    for (const KernelSpec& k : corpus().kernels)
        names.push_back(k.name);
    return names;
}

INSTANTIATE_TEST_SUITE_P(All, CorpusKernel, ::testing::ValuesIn(kernelNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(Corpus, InputsDependOnTheSeedOnly)
{
    const KernelSpec* k = corpus().find("int_hash");
    ASSERT_NE(k, nullptr);
    Arena arena;
    auto a = Instance::create(*k, 3, arena.allocator());
    auto b = Instance::create(*k, 3, arena.allocator());
    auto c = Instance::create(*k, 4, arena.allocator());
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    std::size_t bytes = a->buffer("data")->bytes;
    EXPECT_EQ(std::memcmp(a->buffer("data")->data, b->buffer("data")->data, bytes), 0);
    EXPECT_NE(std::memcmp(a->buffer("data")->data, c->buffer("data")->data, bytes), 0);
}

TEST(Corpus, Expressions)
{
    std::map<std::string, std::int64_t> params = {{"n", 100}, {"w", 7}};
    EXPECT_EQ(*evaluate("(n + 63) / 64 * 64", params), 128);
    EXPECT_EQ(*evaluate("n * w - 3 % 2", params), 699);
    EXPECT_EQ(*evaluate("-w + 10", params), 3);
    EXPECT_THAT(evaluate("n / (w - 7)", params).status().message(), HasSubstr("division by zero"));
    EXPECT_THAT(evaluate("m + 1", params).status().message(), HasSubstr("unknown name 'm'"));
    EXPECT_THAT(evaluate("n +", params).status().message(), HasSubstr("unexpected end"));
    EXPECT_THAT(evaluate("(n", params).status().message(), HasSubstr("missing ')'"));
}

TEST(Corpus, ManifestErrorsNameTheKernel)
{
    auto dir = std::filesystem::temp_directory_path() / "vsvm-oracle-test-manifest";
    std::filesystem::create_directories(dir);
    struct Case {
        const char* json;
        const char* message;
    } cases[] = {
        {"{", "not valid JSON"},
        {R"({"kernels": [{"name": "k", "global": [1], "local": [1], "buffers": [{"name": "a", "type": "f16",
            "count": 1}], "args": []}]})", "kernel 'k': buffer 'a': unknown type 'f16'"},
        {R"({"kernels": [{"name": "k", "global": [1], "local": [1], "buffers": [], "args": [{"buffer": "z"}]}]})",
         "kernel 'k': argument: no buffer 'z'"},
        {R"({"kernels": [{"name": "k", "global": [1], "local": [1], "buffers": [{"name": "a", "type": "u32",
            "count": 1, "output": {"ulp": 1}}], "args": []}]})", "an ulp bound needs type f32"},
    };
    for (const Case& c : cases) {
        std::ofstream(dir / "corpus.json") << c.json;
        Result<Corpus> loaded = loadCorpus(dir.string());
        ASSERT_FALSE(loaded.ok()) << c.json;
        EXPECT_THAT(loaded.status().message(), HasSubstr(c.message));
    }
    std::filesystem::remove_all(dir);
}

TEST(Corpus, UlpAndAbsoluteBounds)
{
    BufferSpec b{.name = "x", .type = ElemType::F32, .stride = 4};
    CompareSpec ulp{.kind = CompareSpec::Kind::Ulp, .ulp = 2};
    auto bytesOf = [](std::vector<float> v) {
        std::vector<std::uint8_t> out(v.size() * 4);
        std::memcpy(out.data(), v.data(), out.size());
        return out;
    };
    float one = 1.0f, twoUp = std::bit_cast<float>(std::bit_cast<std::uint32_t>(1.0f) + 2);
    float threeUp = std::bit_cast<float>(std::bit_cast<std::uint32_t>(1.0f) + 3);
    EXPECT_TRUE(compare(b, ulp, bytesOf({one, -0.0f, NAN}), bytesOf({twoUp, 0.0f, NAN})).equal);
    Comparison c = compare(b, ulp, bytesOf({one, one}), bytesOf({one, threeUp}));
    EXPECT_FALSE(c.equal);
    EXPECT_EQ(c.mismatches, 1u);
    EXPECT_THAT(c.firstMismatch, HasSubstr("element 1: expected 1"));
    EXPECT_FALSE(compare(b, ulp, bytesOf({NAN}), bytesOf({1.0f})).equal);
    CompareSpec abs{.kind = CompareSpec::Kind::Ulp, .ulp = 0, .abs = 0.01};
    EXPECT_TRUE(compare(b, abs, bytesOf({1.0f}), bytesOf({1.005f})).equal);
    EXPECT_FALSE(compare(b, abs, bytesOf({1.0f}), bytesOf({1.02f})).equal);
}

TEST(Corpus, PointersCompareAsOffsetsAndTreesAsWalks)
{
    const KernelSpec* k = corpus().find("tree_build");
    ASSERT_NE(k, nullptr);
    Arena arena;
    auto a = Instance::create(*k, 1, arena.allocator());
    auto b = Instance::create(*k, 1, arena.allocator());
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(runReference(*a).ok());
    ASSERT_TRUE(runReference(*b).ok());
    // Same tree in other memory: the same walk.
    EXPECT_EQ(a->outputs()["root"], b->outputs()["root"]);
    std::size_t n = static_cast<std::size_t>(k->params.at("n"));
    EXPECT_EQ(a->outputs()["root"].size(), (2 * n + 1) * 4); // n values and n + 1 missing children
    // A cycle shows: node 5's left child points back at the root.
    struct TNode {
        TNode* left;
        TNode* right;
        std::uint32_t value;
    };
    auto* pool = reinterpret_cast<TNode*>(b->buffer("pool")->data);
    pool[5].left = &pool[0];
    EXPECT_NE(a->outputs()["root"], b->outputs()["root"]);
    Comparison c = compare(*std::find_if(k->buffers.begin(), k->buffers.end(),
                                         [](const BufferSpec& s) { return s.name == "root"; }),
                           *k->buffers.back().output, a->outputs()["root"], b->outputs()["root"]);
    EXPECT_FALSE(c.equal);
}

TEST(Oracle, PoclReportsBuildErrorsAndUnknownPointers)
{
    ASSERT_NE(pocl(), nullptr);
    NDRange range{.global = {16, 1, 1}, .local = {16, 1, 1}};
    Status bad = pocl()->run("__kernel void k(__global int* p) { p[0] = undeclared; }", "", "k",
                             std::vector<Arg>{Arg::pointer(nullptr)}, range);
    EXPECT_EQ(bad.errnum(), EINVAL);
    EXPECT_THAT(bad.message(), HasSubstr("undeclared"));
    std::vector<int> plain(16, 0);
    Status unknown = pocl()->run("__kernel void k(__global int* p) { p[get_global_id(0)] = 5; }", "", "k",
                                 std::vector<Arg>{Arg::pointer(plain.data())}, range);
    EXPECT_EQ(unknown.errnum(), EINVAL);
    EXPECT_THAT(unknown.message(), HasSubstr("neither in memory from allocateShared() nor the start of a declared"));
    EXPECT_EQ(plain, std::vector<int>(16, 0));
}

TEST(Oracle, PoclRunsPointerFreeKernelsOnPlainHostMemory)
{
    // The fallback without fine-grained system SVM: a CL_MEM_USE_HOST_PTR
    // buffer over the caller's vector, whose contents are current afterwards.
    ASSERT_NE(pocl(), nullptr);
    std::vector<int> plain(64, 1);
    HostBuffer buffers[] = {{plain.data(), plain.size() * sizeof(int)}};
    Status s = pocl()->run("__kernel void k(__global int* p, int add) { p[get_global_id(0)] += add * "
                           "(int)get_global_id(0); }",
                           "", "k", std::vector<Arg>{Arg::pointer(plain.data()), Arg::i32(3)},
                           {.global = {64, 1, 1}, .local = {16, 1, 1}}, buffers);
    ASSERT_TRUE(s.ok()) << s.message();
    for (int i = 0; i < 64; i++)
        EXPECT_EQ(plain[i], 1 + 3 * i);
}

TEST(Oracle, LavapipeRejectsPointersOutsideTheBuffersAndBadShaders)
{
    ASSERT_NE(lavapipe(), nullptr);
    std::vector<std::uint32_t> notSpirv = {1, 2, 3, 4, 5};
    std::vector<int> data(16, 0);
    HostBuffer buffers[] = {{data.data(), data.size() * sizeof(int)}};
    NDRange range{.global = {16, 1, 1}, .local = {16, 1, 1}};
    int outside = 0;
    Status wild = lavapipe()->run(notSpirv, "main", std::vector<Arg>{Arg::pointer(&outside)}, range, buffers);
    EXPECT_EQ(wild.errnum(), EINVAL);
    EXPECT_THAT(wild.message(), HasSubstr("is in no declared buffer"));
    Status bad = lavapipe()->run(notSpirv, "main", std::vector<Arg>{Arg::pointer(data.data())}, range, buffers);
    EXPECT_FALSE(bad.ok());
    EXPECT_THAT(bad.message(), HasSubstr("lavapipe: vkCreate"));
    Status uneven = lavapipe()->run(notSpirv, "main", {}, {.global = {20, 1, 1}, .local = {16, 1, 1}}, buffers);
    EXPECT_THAT(uneven.message(), HasSubstr("global size 20 is not a multiple of local size 16"));
}

} // namespace
} // namespace vsvm::oracle
