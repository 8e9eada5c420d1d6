#include "tools/cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "sim/json_source.h"
#include "sim/printable.h"
#include "tools/cli/signals.h"

namespace dsim::cli {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::generic_category().message(err); }

// What makes two paths the same file: the inode when the file exists, and the absolute path
// with every existing symlink resolved (for files that do not exist yet).
struct Identity {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string canonical;
};

Identity identify(const std::string& path) {
  Identity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  }
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  id.canonical = ec ? fs::absolute(path).lexically_normal().string() : p.string();
  return id;
}

bool same_file(const Identity& a, const Identity& b) {
  if (a.exists && b.exists) return a.dev == b.dev && a.ino == b.ino;
  return a.canonical == b.canonical;
}

std::string show(const std::string& path) { return sim::printable(path, 120); }

// Refuses outputs dsim cannot write safely; see the header for the rules.
void check_writable(const std::string& flag, const std::string& path) {
  const std::string name = flag + " " + show(path);
  if (path.empty()) throw sim::InputError(flag + ": empty file name");
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      throw sim::InputError(name + ": a symbolic link to a file that cannot be reached (" + errno_text(errno) + ")");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw sim::InputError(name + ": is a directory; give a file name");
    if (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
      throw sim::InputError(name + ": is a block device or socket; dsim writes regular files, character devices "
                                   "(/dev/null, /dev/stdout) and fifos");
    if (!S_ISREG(st.st_mode)) return;  // a character device or fifo, written in place
  }
  std::error_code ec;
  fs::path parent = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(parent, ec))
    throw sim::InputError(name + ": directory " + show(parent.string()) + " does not exist");
  if (::access(parent.c_str(), W_OK) != 0)
    throw sim::InputError(name + ": cannot write in " + show(parent.string()) + ": " + errno_text(errno));
}

std::atomic<unsigned> partial_counter{0};

}  // namespace

void OutputPlan::input(const std::string& what, const std::string& path) { inputs_.push_back({what, path}); }

void OutputPlan::output(const std::string& flag, const std::string& path) {
  if (!path.empty() || flag.empty()) outputs_.push_back({flag, path});
}

void OutputPlan::check() const {
  std::vector<Identity> in, out;
  for (const auto& e : inputs_) in.push_back(identify(e.path));
  for (const auto& e : outputs_) {
    check_writable(e.label, e.path);
    out.push_back(identify(e.path));
  }
  for (size_t o = 0; o < outputs_.size(); ++o) {
    struct stat st {};
    // Devices and fifos are written in place and never replaced: /dev/null may take two outputs.
    if (::stat(outputs_[o].path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) continue;
    for (size_t i = 0; i < inputs_.size(); ++i)
      if (same_file(out[o], in[i]))
        throw sim::InputError(outputs_[o].label + " " + show(outputs_[o].path) + ": is " + inputs_[i].label + " (" +
                              show(inputs_[i].path) + "); dsim never overwrites its input: choose another file");
    for (size_t p = 0; p < o; ++p)
      if (same_file(out[o], out[p]))
        throw sim::InputError(outputs_[p].label + " and " + outputs_[o].label + " name the same file (" +
                              show(outputs_[o].path) + "); give each output its own file");
  }
}

OutputFile::OutputFile(const std::string& path) : path_(path), target_(path) {
  check_writable("output", path);
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) fail("cannot resolve the symbolic link", errno);
    target_ = resolved;
  }
  struct stat st {};
  if (::stat(target_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    file_ = std::fopen(target_.c_str(), "wb");  // a device or fifo: in place
    if (!file_) fail("cannot write", errno);
    return;
  }
  // A unique name registered for signal cleanup *before* it exists, so no signal can leave it.
  partial_ = target_ + ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(partial_counter.fetch_add(1));
  slot_ = register_partial(partial_.c_str());
  mode_t mode = 0666;
  if (::stat(target_.c_str(), &st) == 0) mode = st.st_mode & 07777;  // keep an existing file's mode
  const int fd = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    unregister_partial(slot_);
    slot_ = -1;
    partial_.clear();
    fail("cannot write", err);
  }
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int err = errno;
    ::close(fd);
    fail("cannot write", err);
  }
}

OutputFile::~OutputFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !partial_.empty()) ::unlink(partial_.c_str());
  unregister_partial(slot_);
}

void OutputFile::fail(const std::string& what, int err) {
  if (file_) std::fclose(file_);
  file_ = nullptr;
  if (!partial_.empty()) ::unlink(partial_.c_str());
  partial_.clear();
  unregister_partial(slot_);
  slot_ = -1;
  throw sim::InputError(show(path_) + ": " + what + ": " + errno_text(err));
}

void OutputFile::write(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) fail("write failed", errno);
}

void OutputFile::commit() {
  if (std::fflush(file_) != 0) fail("write failed", errno);
  if (!partial_.empty() && ::fsync(::fileno(file_)) != 0) fail("cannot sync", errno);
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) fail("write failed", errno);
  if (!partial_.empty() && std::rename(partial_.c_str(), target_.c_str()) != 0) fail("cannot finish", errno);
  committed_ = true;
  unregister_partial(slot_);
  slot_ = -1;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  OutputFile out(path);
  out.write(text);
  out.commit();
}

}  // namespace dsim::cli

namespace dsim::cli {

TemporaryFile::TemporaryFile(const std::string& stem, const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/dsim-" + stem + "-XXXXXX" + suffix;
  const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw sim::InputError("cannot create a temporary file " + sim::printable(pattern, 200) + ": " + errno_text(errno));
  ::close(fd);
  path_ = pattern;
  slot_ = register_partial(path_.c_str());
}

TemporaryFile::~TemporaryFile() {
  unregister_partial(slot_);
  ::unlink(path_.c_str());
}

}  // namespace dsim::cli
