// Every file the command line writes goes through here, so the rules hold for all of them:
//
//  - an output never overwrites an input, and two outputs never share a file (OutputPlan,
//    checked before any work starts: same path after resolving symlinks, or the same inode);
//  - a regular file (or a new one) is written to a unique sibling FILE.partial-XXXXXX, synced,
//    and renamed over FILE only when complete; a symlink is followed and its target replaced
//    the same way, the link kept;
//  - a character device or fifo (/dev/null, /dev/stdout, a named pipe) is written in place;
//    a directory, block device or socket is refused;
//  - a partial file is removed when the command fails, and when a signal ends the process
//    (tools/cli/signals.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace dsim::cli {

class OutputPlan {
 public:
  // `what` names the file in messages: "the scenario file", "the trace being replayed".
  void input(const std::string& what, const std::string& path);
  // `flag` is how the user gave it: "--trace", "-o".
  void output(const std::string& flag, const std::string& path);
  // Throws InputError naming both sides of the first clash, or an output that cannot be
  // written (a directory, a block device, a symlink to nowhere).
  void check() const;

 private:
  struct Entry {
    std::string label, path;
  };
  std::vector<Entry> inputs_, outputs_;
};

class OutputFile {
 public:
  // Opens the temporary (or the device); throws InputError naming `path` if it cannot.
  explicit OutputFile(const std::string& path);
  ~OutputFile();  // removes the temporary unless commit() ran
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::FILE* stream() { return file_; }
  const std::string& path() const { return path_; }
  void write(const std::string& text);
  // Flushes, syncs and renames into place (a device: flushes). Throws InputError on failure
  // (the temporary is then removed).
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what, int err);
  std::string path_;     // as the user wrote it (for messages)
  std::string target_;   // the file replaced at commit (symlinks resolved)
  std::string partial_;  // empty when writing in place
  std::FILE* file_ = nullptr;
  int slot_ = -1;  // in the signal cleanup registry
  bool committed_ = false;
};

// A file of our own in the temporary directory ($TMPDIR, else /tmp), removed by the destructor
// and when a signal ends the process: `dsim run --view` without --trace keeps its trace there.
class TemporaryFile {
 public:
  // "<tmp>/dsim-<stem>-XXXXXX<suffix>", created empty; throws InputError if it cannot be.
  TemporaryFile(const std::string& stem, const std::string& suffix);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int slot_ = -1;
};

// Writes text to path as an OutputFile: all or nothing.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace dsim::cli
