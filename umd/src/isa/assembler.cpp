// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "isa/encoding.h"
#include "isa/signature.h"
#include "isa/syntax.h"

namespace vsvm::isa {
namespace {

using detail::Field;
using detail::Fields;
using detail::Operand;
using detail::Slot;
using namespace detail::syntax;

// Enough to fix a file in one go; past it the rest is usually one cause.
constexpr std::size_t kMaxDiagnostics = 100;

struct Token {
    std::string_view text;
    unsigned column = 0;
};

const char* describe(Operand operand)
{
    switch (operand) {
    case Operand::Scalar:
    case Operand::SelectMask:
        return "a scalar register or exec";
    case Operand::ScalarNotExec:
        return "a scalar register (not exec)";
    case Operand::Vector:
        return "a vector register";
    case Operand::ScalarOrLit:
        return "a scalar register, exec or a literal";
    case Operand::Any:
        return "a register, exec, laneid or a literal";
    case Operand::AnyButLit:
        return "a register, exec or laneid (not a literal)";
    case Operand::VectorOrScalar:
        return "a vector or scalar register or exec";
    case Operand::Label:
        return "a label";
    case Operand::Offset:
        return "an integer byte offset";
    case Operand::ShortOffset:
        return "an integer byte offset (-32768 to 32767)";
    }
    return "?";
}

std::string usage(const InstructionInfo& info)
{
    std::string text(info.mnemonic);
    const char* separator = " ";
    for (const Slot& slot : detail::formatSpec(info.format).slots) {
        bool optional = detail::isOffset(slot.operand);
        text += fmt::format("{}{}{}{}", optional ? "[" : "", separator, slot.name, optional ? "]" : "");
        separator = ", ";
    }
    return text;
}

std::string_view trim(std::string_view text, unsigned& column)
{
    while (!text.empty() && isSpace(text.front())) {
        text.remove_prefix(1);
        column++;
    }
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

class Assembler {
public:
    Assembly run(std::string_view source);

private:
    struct Label {
        std::uint64_t offset;
        unsigned line;
    };
    struct Reference {
        std::size_t word;
        std::string label;
        unsigned line;
        unsigned column;
        std::string_view user; ///< the branch's mnemonic; empty for .entry
    };

    bool full() const { return out_.diagnostics.size() >= kMaxDiagnostics; }
    void error(unsigned line, unsigned column, std::string message);
    void assembleLine(std::string_view text, unsigned line);
    void instruction(const InstructionInfo& info, Token mnemonic, const std::vector<Token>& operands,
                     unsigned line);
    bool sourceOperand(const InstructionInfo& info, const Slot& slot, std::size_t index, Token token,
                       unsigned line, Fields& fields, std::optional<Token>& literal);
    void directive(Token name, const std::vector<Token>& operands, unsigned line);
    std::optional<std::uint64_t> resolve(const Reference& reference, std::string_view what);

    std::uint64_t nextOffset() const { return out_.program.words.size() * sizeof(std::uint64_t); }

    Assembly out_;
    std::unordered_map<std::string, Label> labels_;
    std::vector<Reference> branches_;
    std::optional<Reference> entry_;
    unsigned argsLine_ = 0; ///< the line of .args, 0 before it
    unsigned isaLine_ = 0;  ///< the line of .isa, 0 before it
    /// The first use of an instruction of the highest version above 1 the
    /// program uses, and that version: checked at the end, as `.isa` may
    /// come anywhere in the file.
    std::optional<Reference> firstNewest_;
    unsigned newestVersion_ = 1;
};

void Assembler::error(unsigned line, unsigned column, std::string message)
{
    if (full())
        return;
    if (out_.diagnostics.size() + 1 == kMaxDiagnostics)
        message = fmt::format("{} (too many errors, stopping here)", message);
    out_.diagnostics.push_back({line, column, std::move(message)});
}

Assembly Assembler::run(std::string_view source)
{
    unsigned line = 1;
    while (!source.empty() && !full()) {
        std::size_t end = source.find('\n');
        std::string_view text = source.substr(0, end);
        assembleLine(text, line++);
        source.remove_prefix(end == std::string_view::npos ? source.size() : end + 1);
    }

    for (const Reference& branch : branches_) {
        auto target = resolve(branch, "branch target");
        if (!target)
            continue;
        // Target = pc + 8 + 8 * imm; both are inside a program far below 2^31 words.
        auto delta = static_cast<std::int64_t>(*target / 8) - static_cast<std::int64_t>(branch.word + 1);
        if (delta < std::numeric_limits<std::int32_t>::min() || delta > std::numeric_limits<std::int32_t>::max()) {
            error(branch.line, branch.column,
                  fmt::format("the branch of {} to '{}' is out of range", branch.user, branch.label));
            continue;
        }
        Fields fields = detail::splitWord(out_.program.words[branch.word]);
        fields.imm = static_cast<std::uint32_t>(delta);
        out_.program.words[branch.word] = detail::joinWord(fields);
    }
    if (firstNewest_ && out_.program.isaVersion < newestVersion_)
        error(firstNewest_->line, firstNewest_->column,
              fmt::format("{} is an ISA version {} instruction: it needs '.isa {}'", firstNewest_->label,
                          newestVersion_, newestVersion_));
    if (entry_) {
        if (auto offset = resolve(*entry_, ".entry label"))
            out_.program.entry = static_cast<std::uint32_t>(*offset);
    }

    std::stable_sort(out_.diagnostics.begin(), out_.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    return std::move(out_);
}

std::optional<std::uint64_t> Assembler::resolve(const Reference& reference, std::string_view what)
{
    auto found = labels_.find(reference.label);
    if (found == labels_.end()) {
        error(reference.line, reference.column,
              fmt::format("undefined label '{}' ({}{}{})", reference.label, what,
                          reference.user.empty() ? "" : " of ", reference.user));
        return std::nullopt;
    }
    // The device rejects a target outside [0, code_size) (VSVM_ISA_ERR_BRANCH).
    if (found->second.offset >= nextOffset()) {
        error(reference.line, reference.column,
              fmt::format("{} '{}'{}{} is past the last instruction", what, reference.label,
                          reference.user.empty() ? "" : " of ", reference.user));
        return std::nullopt;
    }
    return found->second.offset;
}

void Assembler::assembleLine(std::string_view text, unsigned line)
{
    if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
    text = text.substr(0, text.find_first_of(";#"));

    unsigned column = 1;
    text = trim(text, column);

    // Labels: "name:" before anything else; more than one may share the line.
    while (!text.empty()) {
        std::size_t wordEnd = 0;
        while (wordEnd < text.size() && !isSpace(text[wordEnd]) && text[wordEnd] != ':')
            wordEnd++;
        if (wordEnd == text.size() || text[wordEnd] != ':')
            break;
        std::string_view name = text.substr(0, wordEnd);
        if (!isIdentifier(name)) {
            error(line, column,
                  fmt::format("bad label name '{}' (letters, digits, '_' and '.', not starting with a digit)",
                              name));
            return;
        }
        auto [it, inserted] = labels_.try_emplace(std::string(name), Label{nextOffset(), line});
        if (!inserted) {
            error(line, column,
                  fmt::format("duplicate label '{}' (first defined on line {})", name, it->second.line));
            return;
        }
        column += static_cast<unsigned>(wordEnd + 1);
        text.remove_prefix(wordEnd + 1);
        text = trim(text, column);
    }
    if (text.empty())
        return;

    std::size_t nameEnd = 0;
    while (nameEnd < text.size() && !isSpace(text[nameEnd]))
        nameEnd++;
    Token name{text.substr(0, nameEnd), column};

    const InstructionInfo* info = nullptr;
    bool isDirective = name.text.starts_with('.');
    if (!isDirective) {
        // An instruction that does not assemble still takes its word, so that
        // the labels after it, and the diagnostics about them, stay right.
        out_.program.words.push_back(0);
        info = findInstruction(name.text);
        if (!info) {
            error(line, name.column, fmt::format("unknown instruction '{}'", name.text));
            return;
        }
        if (info->version > newestVersion_) {
            newestVersion_ = info->version;
            firstNewest_ = Reference{0, std::string(name.text), line, name.column, ""};
        }
    }

    std::vector<Token> operands;
    unsigned restColumn = column + static_cast<unsigned>(nameEnd);
    std::string_view rest = trim(text.substr(nameEnd), restColumn);
    for (std::size_t start = 0; !rest.empty();) {
        std::size_t comma = rest.find(',', start);
        std::size_t end = comma == std::string_view::npos ? rest.size() : comma;
        unsigned operandColumn = restColumn + static_cast<unsigned>(start);
        std::string_view operand = trim(rest.substr(start, end - start), operandColumn);
        if (operand.empty()) {
            error(line, operandColumn, fmt::format("missing operand {} of {}", operands.size() + 1, name.text));
            return;
        }
        operands.push_back({operand, operandColumn});
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }

    if (isDirective)
        directive(name, operands, line);
    else
        instruction(*info, name, operands, line);
}

void Assembler::instruction(const InstructionInfo& info, Token mnemonic, const std::vector<Token>& operands,
                            unsigned line)
{
    auto slots = detail::formatSpec(info.format).slots;
    std::size_t required = slots.size();
    if (!slots.empty() && detail::isOffset(slots.back().operand))
        required--;
    if (operands.size() < required || operands.size() > slots.size()) {
        std::string count = required == slots.size() ? fmt::format("{}", required)
                                                     : fmt::format("{} or {}", required, slots.size());
        error(line, mnemonic.column,
              fmt::format("{} takes {} operand{} ({}), not {}", info.mnemonic, count,
                          slots.size() == 1 ? "" : "s", usage(info), operands.size()));
        return;
    }

    Fields fields{.opcode = info.opcode};
    if (info.immSelector >= 0)
        fields.imm = static_cast<std::uint32_t>(info.immSelector) << VSVM_ISA_LDS_ATOMIC64_OP_SHIFT;
    std::optional<Token> literal;
    for (std::size_t i = 0; i < operands.size(); i++) {
        const Slot& slot = slots[i];
        Token token = operands[i];
        switch (slot.operand) {
        case Operand::Label:
            if (!isIdentifier(token.text)) {
                error(line, token.column,
                      fmt::format("the branch target of {} must be a label, not '{}'", info.mnemonic, token.text));
                return;
            }
            branches_.push_back(
                {out_.program.words.size() - 1, std::string(token.text), line, token.column, info.mnemonic});
            break;
        case Operand::Offset:
        case Operand::ShortOffset: {
            Integer offset = parseInteger(token.text);
            if (offset.status == Integer::NotInteger) {
                error(line, token.column,
                      fmt::format("the memory offset of {} must be an integer, not '{}'", info.mnemonic,
                                  token.text));
                return;
            }
            bool isShort = slot.operand == Operand::ShortOffset;
            std::int64_t lowest = isShort ? std::numeric_limits<std::int16_t>::min()
                                          : std::numeric_limits<std::int32_t>::min();
            std::int64_t highest = isShort ? std::numeric_limits<std::int16_t>::max()
                                           : std::numeric_limits<std::int32_t>::max();
            auto value = offset.signedValue();
            if (!value || *value < lowest || *value > highest) {
                error(line, token.column,
                      fmt::format("operand {} ({}) of {}: memory offset {} is out of range ({} to {})", i + 1,
                                  slot.name, info.mnemonic, token.text, lowest, highest));
                return;
            }
            if (isShort)
                fields.imm |= static_cast<std::uint32_t>(*value) & detail::kShortOffsetMask;
            else
                fields.imm = static_cast<std::uint32_t>(*value);
            break;
        }
        default:
            if (!sourceOperand(info, slot, i, token, line, fields, literal))
                return;
            break;
        }
    }

    // The assembler checks its own output against the decoder's rules: one
    // definition of a valid instruction for both directions.
    if (!detail::isValid(info, fields)) {
        error(line, mnemonic.column, fmt::format("internal error: {} encodes to an invalid word", info.mnemonic));
        return;
    }
    out_.program.words.back() = detail::joinWord(fields);
}

bool Assembler::sourceOperand(const InstructionInfo& info, const Slot& slot, std::size_t index, Token token,
                              unsigned line, Fields& fields, std::optional<Token>& literal)
{
    auto fail = [&](std::string message) {
        error(line, token.column, std::move(message));
        return false;
    };
    // Every message names the instruction and the operand.
    auto failOperand = [&](std::string message) {
        return fail(fmt::format("operand {} ({}) of {}: {}", index + 1, slot.name, info.mnemonic, message));
    };
    auto mustBe = [&] {
        return fail(fmt::format("operand {} ({}) of {} must be {}, not '{}'", index + 1, slot.name, info.mnemonic,
                                describe(slot.operand), token.text));
    };

    unsigned code = 0;
    std::uint32_t imm = 0;
    Register reg = parseRegister(token.text);
    Integer integer = parseInteger(token.text);
    if (reg.status == Register::BadNumber) {
        return failOperand(fmt::format("bad register '{}' (registers are s0-s{} and v0-v{})", token.text,
                                       VSVM_ISA_NUM_SREGS - 1, VSVM_ISA_NUM_VREGS - 1));
    } else if (reg.status == Register::Ok) {
        code = reg.code;
        if (!detail::acceptsCode(slot.operand, code))
            return mustBe();
    } else if (integer.status != Integer::NotInteger || looksLikeFloat(token.text)) {
        if (!detail::acceptsCode(slot.operand, VSVM_ISA_OP_LIT))
            return fail(fmt::format("a literal cannot be operand {} ({}) of {}: it must be {}", index + 1,
                                    slot.name, info.mnemonic, describe(slot.operand)));
        if (integer.status != Integer::NotInteger) {
            auto value = integer.signedValue();
            // -1 and 0xffffffff are the same 32 bits; both sign-extend.
            if (!value || *value < std::numeric_limits<std::int32_t>::min() ||
                *value > std::numeric_limits<std::uint32_t>::max())
                return failOperand(fmt::format("literal {} does not fit in 32 bits (-2147483648 to 4294967295)",
                                               token.text));
            imm = static_cast<std::uint32_t>(*value);
        } else {
            if (!info.floatSources)
                return failOperand(fmt::format("float literal {} needs an instruction with float32 sources, "
                                               "which {} is not",
                                               token.text, info.mnemonic));
            auto value = parseFloat(token.text);
            if (!value)
                return failOperand(fmt::format("float literal {} is malformed or out of range for float32", token.text));
            imm = std::bit_cast<std::uint32_t>(*value);
        }
        if (literal && fields.imm != imm)
            return failOperand(fmt::format("only one literal fits in an instruction, and {} already holds {}",
                                           info.mnemonic, literal->text));
        literal = token;
        code = VSVM_ISA_OP_LIT;
        fields.imm = imm;
    } else {
        return mustBe();
    }

    switch (slot.field) {
    case Field::D:
        fields.d = static_cast<std::uint8_t>(code);
        break;
    case Field::A:
        fields.a = static_cast<std::uint8_t>(code);
        break;
    case Field::B:
        fields.b = static_cast<std::uint8_t>(code);
        break;
    case Field::Imm: // the select mask of VOP3: a scalar operand code
        fields.imm = code;
        break;
    }
    return true;
}

void Assembler::directive(Token name, const std::vector<Token>& operands, unsigned line)
{
    auto oneOperand = [&](std::string_view what) {
        if (operands.size() == 1)
            return true;
        error(line, name.column, fmt::format("{} takes one operand ({} {}), not {}", name.text, name.text, what,
                                             operands.size()));
        return false;
    };

    if (name.text == ".isa") {
        if (!oneOperand("1"))
            return;
        Integer version = parseInteger(operands[0].text);
        auto value = version.signedValue();
        if (!value || *value < VSVM_ISA_VERSION_MIN || *value > VSVM_ISA_VERSION) {
            error(line, operands[0].column,
                  fmt::format("unsupported ISA version '{}' (this assembler knows {} to {})", operands[0].text,
                              VSVM_ISA_VERSION_MIN, VSVM_ISA_VERSION));
            return;
        }
        // Repeating the same version is harmless; two different ones are a mistake.
        if (isaLine_ != 0 && *value != out_.program.isaVersion) {
            error(line, operands[0].column,
                  fmt::format(".isa {} contradicts .isa {} on line {}", *value, out_.program.isaVersion, isaLine_));
            return;
        }
        isaLine_ = line;
        out_.program.isaVersion = static_cast<std::uint32_t>(*value);
    } else if (name.text == ".entry") {
        if (!oneOperand("label"))
            return;
        if (entry_) {
            error(line, name.column, fmt::format("duplicate .entry (the first is on line {})", entry_->line));
            return;
        }
        if (!isIdentifier(operands[0].text)) {
            error(line, operands[0].column, fmt::format(".entry takes a label, not '{}'", operands[0].text));
            return;
        }
        entry_ = Reference{0, std::string(operands[0].text), line, operands[0].column, ""};
    } else if (name.text == ".word") {
        if (!oneOperand("value"))
            return;
        Integer value = parseInteger(operands[0].text);
        if (value.status == Integer::NotInteger) {
            error(line, operands[0].column, fmt::format(".word takes an integer, not '{}'", operands[0].text));
            return;
        }
        auto word = value.wordValue();
        if (!word) {
            error(line, operands[0].column, fmt::format(".word {} does not fit in 64 bits", operands[0].text));
            return;
        }
        out_.program.words.push_back(*word);
    } else if (name.text == ".args") {
        if (argsLine_ != 0) {
            error(line, name.column, fmt::format("duplicate .args (the first is on line {})", argsLine_));
            return;
        }
        argsLine_ = line;
        detail::SignatureReader reader;
        for (std::size_t i = 0; i < operands.size(); i++) {
            if (auto message = reader.add(operands[i].text)) {
                error(line, operands[i].column, fmt::format("argument {} of .args: {}", i + 1, *message));
                return;
            }
        }
        out_.program.signature = reader.take();
    } else {
        error(line, name.column,
              fmt::format("unknown directive '{}' (.isa, .entry, .args and .word exist)", name.text));
    }
}

} // namespace

Assembly assemble(std::string_view source)
{
    return Assembler().run(source);
}

std::string formatDiagnostic(std::string_view file, const Diagnostic& diagnostic)
{
    return fmt::format("{}:{}:{}: error: {}", file, diagnostic.line, diagnostic.column, diagnostic.message);
}

} // namespace vsvm::isa
