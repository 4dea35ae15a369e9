// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "frontend/subprocess.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

extern char** environ;

namespace vsvm::frontend::detail {

Result<TempDir> TempDir::create()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = fmt::format("{}/vsvm-frontend-XXXXXX", base && *base ? base : "/tmp");
    // mkdtemp creates the directory with mode 0700: nobody else gets in.
    if (!mkdtemp(pattern.data()))
        return Status::fromErrno(errno, fmt::format("create a temporary directory {}", pattern));
    return TempDir(std::filesystem::path(pattern));
}

TempDir::~TempDir()
{
    if (path_.empty())
        return;
    std::error_code ignored; // a destructor has nobody to report to
    std::filesystem::remove_all(path_, ignored);
}

Result<std::string> findProgram(const std::string& program, std::string_view package)
{
    if (program.find('/') != std::string::npos) {
        if (access(program.c_str(), X_OK) == 0)
            return program;
        return Status::error(ENOENT, fmt::format("{} is not an executable program (Debian package {})", program,
                                                 package));
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        std::size_t colon = dirs.find(':');
        std::string_view dir = dirs.substr(0, colon);
        dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
        std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, program);
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return Status::error(ENOENT,
                         fmt::format("{} not found on PATH: install the Debian package {}", program, package));
}

Result<ProcessResult> runProcess(const std::vector<std::string>& argv, const std::filesystem::path& dir)
{
    std::vector<char*> args;
    for (const std::string& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    std::string logPath = (dir / "process.log").string();
    posix_spawn_file_actions_t actions;
    if (int err = posix_spawn_file_actions_init(&actions))
        return Status::fromErrno(err, "posix_spawn_file_actions_init");
    // One file for both streams keeps clang's messages in their order.
    int err = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!err)
        err = posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!err)
        err = posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    if (!err)
        err = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err)
        return Status::fromErrno(err, fmt::format("run {}", argv[0]));

    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return Status::fromErrno(errno, fmt::format("wait for {}", argv[0]));
    }
    ProcessResult result;
    result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    Result<std::string> output = readFile(logPath);
    if (!output)
        return output.status();
    result.output = std::move(*output);
    return result;
}

Status writeFile(const std::filesystem::path& path, std::string_view data)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out)
        return Status::fromErrno(EIO, fmt::format("write {}", path.string()));
    return {};
}

Result<std::string> readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Status::fromErrno(errno ? errno : ENOENT, fmt::format("open {}", path.string()));
    std::ostringstream data;
    data << in.rdbuf();
    if (in.bad())
        return Status::fromErrno(EIO, fmt::format("read {}", path.string()));
    return data.str();
}

} // namespace vsvm::frontend::detail
