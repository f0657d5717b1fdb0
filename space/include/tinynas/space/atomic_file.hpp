#pragma once
// Whole files in and out. Writes survive a kill at any instant (search results, checkpoints,
// exported models): write_file_atomic writes a temporary file next to the target, fsyncs it and
// renames it over the target (rename is atomic on POSIX file systems; the temporary is removed when
// anything fails, and a directory as the target is Error(kInvalidArgument) before anything is
// written); append_file appends and flushes. Both throw Error(kIo) naming the path and errno. read_file is the one
// whole-file read of every module (JSON configs, supernet files, checkpoints).

#include <cstddef>
#include <string>
#include <string_view>

namespace tinynas::files {

void write_file_atomic(const std::string& path, std::string_view content);
// Checks, before long work whose result goes to `path`, that write_file_atomic will be able to write
// it: Error(kInvalidArgument) naming the path for a directory, a missing directory or one without
// write permission.
void require_writable(const std::string& path);
void append_file(const std::string& path, std::string_view content);
// What read_file takes at most: any file (supernets, arrays, images), and the JSON files a user
// writes or edits (spaces, boards, archs and net configs, latency tables, dataset.json).
inline constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;        // 1 GiB
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{16} << 20; // 16 MiB

// The file's bytes. Error(kInvalidFile) naming the path and errno if it cannot be opened or read,
// "is a directory" for a directory (which open(2) accepts and only read(2) refuses), and "is larger
// than ..." beyond `max_bytes` (checked before reading a regular file, while reading a device or
// pipe such as /dev/zero, which has no end).
std::string read_file(const std::string& path, std::size_t max_bytes = kMaxFileBytes);
// Creates the directory (and parents); Error(kIo) on failure.
void make_directory(const std::string& dir);
// `path` made absolute against the working directory and normalised ("run", "./run/" and "/home/u/run" alike); ""
// stays "". What a run records of the files it uses, so it continues from any directory, however its path is spelt.
std::string absolute_path(const std::string& path);

} // namespace tinynas::files
