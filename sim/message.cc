// MessagePool: size-classed free lists carved from 64 KiB chunks. Allocation and release
// are a vector push/pop; chunks are returned when the simulation ends.
#include "sim/message.h"

#include <cstdlib>
#include <new>

namespace dsim::sim {

void Envelope::release() {
  MessagePool* pool = pool_;
  const size_t size = size_;
  this->~Envelope();
  if (pool) {
    pool->deallocate(this, size);
  } else {
    ::operator delete(static_cast<void*>(this));
  }
}

MessagePool::~MessagePool() {
  for (void* c : chunks_) ::operator delete(c);
}

void* MessagePool::allocate(size_t size) {
  ++live_;
  const size_t cls = (size + kClass - 1) / kClass;
  if (cls >= kClasses) return ::operator new(size);
  auto& list = free_[cls];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    return p;
  }
  const size_t bytes = cls * kClass;
  if (bump_left_ < bytes) {
    constexpr size_t kChunk = 64 * 1024;
    bump_ = static_cast<char*>(::operator new(kChunk));
    chunks_.push_back(bump_);
    bump_left_ = kChunk;
  }
  void* p = bump_;
  bump_ += bytes;
  bump_left_ -= bytes;
  return p;
}

void MessagePool::deallocate(void* p, size_t size) {
  --live_;
  const size_t cls = (size + kClass - 1) / kClass;
  if (cls >= kClasses) {
    ::operator delete(p);
    return;
  }
  free_[cls].push_back(p);
}

}  // namespace dsim::sim
