// Writes a batch of upload chunks to a staging file with O_DIRECT, in whole blocks, for the
// filesystem blob store's appends (src/adapters/blob/native-direct-write.ts).
//
// Why: a buffered write copies every byte into a page-cache page the kernel must then find,
// dirty, write back and account for; on the bench's virtual machine that path cost 3.9–4.6 ms
// of system CPU per 1 MiB file written and fsynced, and O_DIRECT 0.85–1.5 ms, at twice the files
// per second (bench/README.md, issue 14). An upload's bytes are read again only when a client
// pulls them, so keeping them in the page cache as they arrive buys little.
//
// O_DIRECT needs the file offset, the length and the memory address aligned to the device's
// block. The chunks a socket delivers are none of these, so the batch is copied into an aligned
// buffer of this module's and written from there in whole blocks, from the start of the block
// it begins in (WriteDirect says why); the unaligned tail, under one block, is written through
// the page cache as before. The whole blocks go through a second descriptor of the same file,
// opened by the caller with O_DIRECT, and everything else through the ordinary one: no flag is
// ever changed on a descriptor, so writes of one file to disjoint blocks may run at once (the
// store keeps two in flight per upload; a long body that waited on the disk at every batch was
// slower than the page cache). A caller whose filesystem refuses O_DIRECT (tmpfs before Linux
// 6.6, some FUSE and network filesystems) passes -1, and the whole batch is written buffered.
//
// The work runs as napi async work on libuv's pool, where Node's own fs writes run; the chunks
// are held by references until it completes, so their memory cannot be collected under it.
#include <node_api.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <sys/uio.h>
#include <unistd.h>

namespace {

// Offset, length and address alignment for O_DIRECT: 4 KiB covers 512-byte and 4 KiB devices.
constexpr uint64_t kAlign = 4096;
// The aligned buffer a batch's whole blocks are copied into, one piece at a time.
constexpr size_t kBounceBytes = 1024 * 1024;
// Buffers kept for reuse: a fresh one costs page faults on every piece (on the bench's virtual
// machine, faults are what the direct path is saving). More than libuv's default four threads.
constexpr size_t kPoolMax = 8;
// Fewer whole blocks than this are written buffered: the copy to an aligned buffer and a second
// write cost more than they save.
constexpr uint64_t kDirectMinBytes = 64 * 1024;
constexpr int kIovMax = 1024;

std::mutex pool_mutex;
std::vector<void*> pool;
std::atomic<uint64_t> direct_bytes{0};
std::atomic<uint64_t> released_bytes{0};

void* TakeBuffer() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!pool.empty()) {
      void* buffer = pool.back();
      pool.pop_back();
      return buffer;
    }
  }
  void* buffer = nullptr;
  return posix_memalign(&buffer, kAlign, kBounceBytes) == 0 ? buffer : nullptr;
}

void GiveBuffer(void* buffer) {
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (pool.size() < kPoolMax) {
    pool.push_back(buffer);
  } else {
    free(buffer);
  }
}

struct Chunk {
  const uint8_t* data;
  size_t length;
};

struct Write {
  int fd = -1;
  // Opened with O_DIRECT by the caller, or -1.
  int direct_fd = -1;
  uint64_t position = 0;
  uint64_t total = 0;
  std::vector<Chunk> chunks;
  std::vector<napi_ref> refs;
  napi_ref callback = nullptr;
  napi_async_work work = nullptr;
  uint64_t direct = 0;
  int error = 0;
};

// Walks the batch's bytes from a logical offset onwards, chunk by chunk.
struct Cursor {
  const std::vector<Chunk>* chunks;
  size_t index = 0;
  size_t within = 0;

  Cursor(const std::vector<Chunk>& all, uint64_t from) : chunks(&all) {
    while (index < all.size() && from >= all[index].length) {
      from -= all[index].length;
      index++;
    }
    within = static_cast<size_t>(from);
  }
};

// pwritev of [from, from + length) of the batch, through the page cache.
int WriteBuffered(Write* write, uint64_t from, uint64_t length) {
  Cursor cursor(write->chunks, from);
  while (length > 0) {
    iovec iov[kIovMax];
    int count = 0;
    uint64_t gathered = 0;
    size_t index = cursor.index;
    size_t within = cursor.within;
    while (count < kIovMax && gathered < length && index < write->chunks.size()) {
      const Chunk& chunk = write->chunks[index];
      size_t take = chunk.length - within;
      if (take > length - gathered) take = static_cast<size_t>(length - gathered);
      iov[count].iov_base = const_cast<uint8_t*>(chunk.data + within);
      iov[count].iov_len = take;
      count++;
      gathered += take;
      index++;
      within = 0;
    }
    ssize_t done = pwritev(write->fd, iov, count, static_cast<off_t>(write->position + from));
    if (done < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (done == 0) return EIO;
    from += static_cast<uint64_t>(done);
    length -= static_cast<uint64_t>(done);
    cursor = Cursor(write->chunks, from);
  }
  return 0;
}

// Copies [from, from + length) of the batch into `buffer`.
void Gather(Write* write, uint64_t from, size_t length, uint8_t* buffer) {
  Cursor cursor(write->chunks, from);
  size_t copied = 0;
  while (copied < length) {
    const Chunk& chunk = write->chunks[cursor.index];
    size_t take = chunk.length - cursor.within;
    if (take > length - copied) take = length - copied;
    memcpy(buffer + copied, chunk.data + cursor.within, take);
    copied += take;
    cursor.index++;
    cursor.within = 0;
  }
}

// Writes whole blocks from the block the batch starts in, with O_DIRECT: `span` bytes at
// position - lead, the first `lead` of them the file's own (read back first), the rest the
// batch's. Returns how many of the batch's bytes it wrote: an O_DIRECT write refused (EINVAL:
// the device wants a larger alignment) or failed leaves the rest to the buffered path, which
// meets the same error if it is the disk's.
//
// Rewriting the file's part of the first block rather than writing the batch's unaligned head
// through the page cache means no direct write lands on disk past bytes that are only in the
// page cache. (Two writes of one upload in flight can still land out of order if the machine
// crashes between them; the store's append says what that costs.)
uint64_t WriteDirect(Write* write, uint64_t lead, uint64_t span) {
  uint64_t base = write->position - lead;
  auto* buffer = static_cast<uint8_t*>(TakeBuffer());
  if (buffer == nullptr) return 0;
  // Through the ordinary descriptor: the last append's tail may still be in the page cache.
  if (lead > 0 && pread(write->fd, buffer, lead, static_cast<off_t>(base)) != static_cast<ssize_t>(lead)) {
    GiveBuffer(buffer);
    return 0;
  }
  uint64_t done = 0;
  while (done < span) {
    size_t piece = span - done > kBounceBytes ? kBounceBytes : static_cast<size_t>(span - done);
    size_t own = done == 0 ? static_cast<size_t>(lead) : 0;
    Gather(write, done + own - lead, piece - own, buffer + own);
    ssize_t wrote = pwrite(write->direct_fd, buffer, piece, static_cast<off_t>(base + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    // A short O_DIRECT write ends on a block boundary only by chance: stop at the last whole block.
    uint64_t whole = static_cast<uint64_t>(wrote) - static_cast<uint64_t>(wrote) % kAlign;
    done += whole;
    if (whole != piece) break;
  }
  GiveBuffer(buffer);
  // Any block written is whole, so past `lead` once anything was.
  return done > lead ? done - lead : 0;
}

void Execute(napi_env /*env*/, void* data) {
  auto* write = static_cast<Write*>(data);
  uint64_t lead = write->position % kAlign;
  uint64_t span = (lead + write->total) - (lead + write->total) % kAlign;
  uint64_t direct = write->direct_fd >= 0 && span > lead && span - lead >= kDirectMinBytes ? WriteDirect(write, lead, span) : 0;
  write->direct = direct;
  direct_bytes.fetch_add(direct, std::memory_order_relaxed);
  // The unaligned tail (and everything, where O_DIRECT was refused) through the page cache.
  write->error = WriteBuffered(write, direct, write->total - direct);
}

void Complete(napi_env env, napi_status /*status*/, void* data) {
  auto* write = static_cast<Write*>(data);
  napi_value callback = nullptr;
  napi_get_reference_value(env, write->callback, &callback);
  napi_value args[2];
  napi_create_int32(env, write->error, &args[0]);
  napi_create_double(env, static_cast<double>(write->direct), &args[1]);
  for (napi_ref ref : write->refs) napi_delete_reference(env, ref);
  napi_delete_reference(env, write->callback);
  napi_delete_async_work(env, write->work);
  delete write;
  if (callback != nullptr) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 2, args, nullptr);
  }
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

bool Integer(napi_env env, napi_value value, int64_t* out) {
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok || d < 0 || d > 9007199254740991.0) return false;
  *out = static_cast<int64_t>(d);
  return static_cast<double>(*out) == d;
}

// write(fd, directFd, chunks: Uint8Array[], position, callback(errno, directBytes)): every byte
// of `chunks` lands at `position` onwards, or the callback gets the errno that stopped it.
// directFd is a descriptor of the same file opened with O_DIRECT, or -1.
napi_value StartWrite(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t fd = 0;
  int64_t direct_fd = -1;
  int64_t position = 0;
  bool is_array = false;
  napi_valuetype type = napi_undefined;
  double minus_one = 0;
  bool no_direct = false;
  if (argc == 5) {
    no_direct = napi_get_value_double(env, argv[1], &minus_one) == napi_ok && minus_one == -1;
    napi_is_array(env, argv[2], &is_array);
    napi_typeof(env, argv[4], &type);
  }
  // directFd: -1, or a descriptor.
  bool direct_ok = no_direct || (argc == 5 && Integer(env, argv[1], &direct_fd) && direct_fd <= INT32_MAX);
  if (argc != 5 || !Integer(env, argv[0], &fd) || fd > INT32_MAX || !direct_ok || !is_array || !Integer(env, argv[3], &position) ||
      type != napi_function) {
    return Throw(env, "write(fd, directFd, chunks, position, callback)");
  }
  uint32_t count = 0;
  napi_get_array_length(env, argv[2], &count);
  auto* write = new Write();
  write->fd = static_cast<int>(fd);
  write->direct_fd = static_cast<int>(direct_fd);
  write->position = static_cast<uint64_t>(position);
  write->chunks.reserve(count);
  write->refs.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    bool typed = false;
    if (napi_get_element(env, argv[2], i, &element) == napi_ok) napi_is_typedarray(env, element, &typed);
    napi_typedarray_type kind;
    size_t length = 0;
    void* bytes = nullptr;
    napi_ref ref = nullptr;
    if (!typed || napi_get_typedarray_info(env, element, &kind, &length, &bytes, nullptr, nullptr) != napi_ok || kind != napi_uint8_array ||
        napi_create_reference(env, element, 1, &ref) != napi_ok) {
      for (napi_ref held : write->refs) napi_delete_reference(env, held);
      delete write;
      return Throw(env, "write: chunks must be Uint8Arrays");
    }
    write->refs.push_back(ref);
    write->chunks.push_back({static_cast<const uint8_t*>(bytes), length});
    write->total += length;
  }
  napi_value name;
  napi_create_string_utf8(env, "berth-direct-write", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[4], 1, &write->callback) != napi_ok ||
      napi_create_async_work(env, nullptr, name, Execute, Complete, write, &write->work) != napi_ok ||
      napi_queue_async_work(env, write->work) != napi_ok) {
    for (napi_ref held : write->refs) napi_delete_reference(env, held);
    if (write->callback != nullptr) napi_delete_reference(env, write->callback);
    if (write->work != nullptr) napi_delete_async_work(env, write->work);
    delete write;
    return Throw(env, "write: could not queue the work");
  }
  return nullptr;
}

// firstHole(fd, from): the offset of the first hole at or after `from` (the file's size when
// there is none), or -errno. The store asks it of a staging file that holds more than its upload
// recorded: with two direct writes of an append in flight, a crash can land the later one and
// not the earlier, and the earlier one's blocks then read as zeros. The kernel reports those
// blocks as a hole whether they were never allocated or allocated and never written.
napi_value FirstHole(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t fd = 0;
  int64_t from = 0;
  if (argc != 2 || !Integer(env, argv[0], &fd) || fd > INT32_MAX || !Integer(env, argv[1], &from)) {
    return Throw(env, "firstHole(fd, from)");
  }
  off_t hole = lseek(static_cast<int>(fd), static_cast<off_t>(from), SEEK_HOLE);
  napi_value out;
  napi_create_double(env, hole < 0 ? -static_cast<double>(errno) : static_cast<double>(hole), &out);
  return out;
}

// release(chunks: Uint8Array[]): detaches each chunk's ArrayBuffer where the chunk spans all of
// it, so V8 frees its memory now instead of at a later collection; returns the bytes freed.
// Upload bodies arrive as one fresh 64 KiB-or-less buffer per socket read (node:http copies
// each), and a 1 GiB push is 16,000 of them: left to the collector, up to ~50 MiB of already
// written bytes sat in the process at a time, and V8 ran a full collection every few MiB of
// them (bench/README.md, issue 14). A view of part of a buffer (a batch split at a block
// boundary, a pooled small Buffer) is left alone: its buffer may still be needed. Only for
// chunks nothing else holds: the caller's promise (src/ports/blob-store.ts, releaseChunks).
napi_value Release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool is_array = false;
  if (argc != 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) return Throw(env, "release(chunks)");
  uint32_t count = 0;
  napi_get_array_length(env, argv[0], &count);
  double released = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    bool typed = false;
    if (napi_get_element(env, argv[0], i, &element) != napi_ok || napi_is_typedarray(env, element, &typed) != napi_ok || !typed) continue;
    napi_typedarray_type kind;
    size_t length = 0;
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_typedarray_info(env, element, &kind, &length, nullptr, &buffer, &offset) != napi_ok || kind != napi_uint8_array) continue;
    size_t whole = 0;
    if (offset != 0 || length == 0 || napi_get_arraybuffer_info(env, buffer, nullptr, &whole) != napi_ok || whole != length) continue;
    // Not every buffer may be detached (napi_detachable_arraybuffer_expected): those wait for
    // the collector, as all did before.
    if (napi_detach_arraybuffer(env, buffer) == napi_ok) released += static_cast<double>(length);
  }
  released_bytes.fetch_add(static_cast<uint64_t>(released), std::memory_order_relaxed);
  napi_value out;
  napi_create_double(env, released, &out);
  return out;
}

// releasedBytes(): bytes `release` has freed in this process, for metrics and tests.
napi_value ReleasedBytes(napi_env env, napi_callback_info /*info*/) {
  napi_value out;
  napi_create_double(env, static_cast<double>(released_bytes.load(std::memory_order_relaxed)), &out);
  return out;
}

// directBytes(): bytes this process has written with O_DIRECT, for metrics and tests.
napi_value DirectBytes(napi_env env, napi_callback_info /*info*/) {
  napi_value out;
  napi_create_double(env, static_cast<double>(direct_bytes.load(std::memory_order_relaxed)), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"write", nullptr, StartWrite, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"directBytes", nullptr, DirectBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"firstHole", nullptr, FirstHole, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"releasedBytes", nullptr, ReleasedBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 5, properties);
  napi_value interface_version;
  napi_create_uint32(env, 3, &interface_version);
  napi_set_named_property(env, exports, "interfaceVersion", interface_version);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
