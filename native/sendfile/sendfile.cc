// Sends a byte range of a file to a socket with sendfile(2) on a thread of its own, for blob
// GETs (src/http/oci/sendfile-send.ts). Node has no public sendfile, and its response writes go
// through a user-space buffer per chunk; sendfile copies page cache to socket in the kernel.
//
// The "copy" mode reads the file into a buffer of the thread's and writes that instead, for a
// peer on the same host: there the kernel hands the sender's buffers straight to the receiver,
// and sendfile's are page-cache pages, one 4 KiB fragment each, which cost the receiving
// process about twice the system time per GiB of the few large fragments a write() makes
// (bench/README.md, issue 14). Over a network the receiver never sees them, and sendfile saves
// the copy.
//
// Why a thread per send and not napi_create_async_work: async work runs on libuv's thread pool,
// which also serves every fs call; a few clients that read slowly would hold its four threads
// in poll() and stall the registry's file I/O. The caller bounds how many sends run at once.
//
// The socket is non-blocking (libuv's): the thread polls for POLLOUT in short slices so that a
// cancel (the response closed on the JS side) is seen within one slice, and gives up when no
// byte has moved for the idle timeout, as the JS path's idle timer does. Both descriptors are
// dup()ed on the JS thread before the thread starts: Node may close the socket's number (and
// reuse it for another connection) while the thread still writes.
#include <node_api.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <set>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// Longest wait between two looks at the cancel flag.
constexpr int kPollSliceMs = 100;
// Bytes per sendfile call. Also how often a fast socket comes back to the cancel flag, but
// chosen by measurement: a 1 GiB pull over loopback ran 1.9 GB/s to curl with 16 MiB and 1 MiB
// calls (one call filled the autotuned send buffer and the receiver waited for it), 1.9–2.0
// with 64 KiB, 2.1–2.8 with 128–256 KiB (Distribution 2.6–2.7 on the same run).
constexpr size_t kCallBytes = 256 * 1024;
// The copy mode's buffer, allocated per send. 512 KiB to 4 MiB gave the same rates to curl and
// to a Node reader over loopback; 256 KiB gave curl a fifth less.
constexpr size_t kCopyBytes = 512 * 1024;

struct Send {
  int file_fd = -1;
  int socket_fd = -1;
  off_t offset = 0;
  uint64_t remaining = 0;
  int idle_ms = 0;
  bool copy = false;
  std::atomic<bool> cancelled{false};
  napi_threadsafe_function done = nullptr;
  // Written by the thread before it calls `done`, read on the JS thread after.
  const char* outcome = "done";
  int error = 0;
  uint64_t sent = 0;
};

std::mutex active_mutex;
std::condition_variable active_empty;
std::set<std::shared_ptr<Send>>* active = new std::set<std::shared_ptr<Send>>();

void Run(std::shared_ptr<Send> send) {
  // Signals belong to the main thread; a SIGPIPE raised here stays pending and dies with the thread.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  using Clock = std::chrono::steady_clock;
  auto last_progress = Clock::now();
  // Copy mode: [pos, filled) of the buffer is read from the file and not yet written.
  std::unique_ptr<char[]> buffer;
  size_t filled = 0;
  size_t pos = 0;
  if (send->copy) {
    buffer.reset(new (std::nothrow) char[kCopyBytes]);
    if (!buffer) {
      send->outcome = "error";
      send->error = ENOMEM;
      send->remaining = 0;
    }
  }
  while (send->remaining > 0 || pos < filled) {
    if (send->cancelled.load()) {
      send->outcome = "cancelled";
      break;
    }
    ssize_t n;
    if (send->copy) {
      if (pos == filled) {
        size_t want = send->remaining < kCopyBytes ? static_cast<size_t>(send->remaining) : kCopyBytes;
        ssize_t got = pread(send->file_fd, buffer.get(), want, send->offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          send->outcome = got == 0 ? "short" : "error";
          send->error = got == 0 ? 0 : errno;
          break;
        }
        send->offset += got;
        send->remaining -= static_cast<uint64_t>(got);
        filled = static_cast<size_t>(got);
        pos = 0;
      }
      n = ::send(send->socket_fd, buffer.get() + pos, filled - pos, MSG_NOSIGNAL);
      if (n > 0) pos += static_cast<size_t>(n);
    } else {
      size_t want = send->remaining < kCallBytes ? static_cast<size_t>(send->remaining) : kCallBytes;
      n = sendfile(send->socket_fd, send->file_fd, &send->offset, want);
      if (n > 0) send->remaining -= static_cast<uint64_t>(n);
    }
    if (n > 0) {
      send->sent += static_cast<uint64_t>(n);
      last_progress = Clock::now();
      continue;
    }
    if (n == 0) {
      send->outcome = "short";
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      send->outcome = "error";
      send->error = errno;
      break;
    }
    int wait_ms = kPollSliceMs;
    if (send->idle_ms > 0) {
      auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_progress).count();
      if (idle >= send->idle_ms) {
        send->outcome = "idle";
        break;
      }
      if (send->idle_ms - idle < wait_ms) wait_ms = static_cast<int>(send->idle_ms - idle);
    }
    pollfd p{send->socket_fd, POLLOUT, 0};
    if (poll(&p, 1, wait_ms) < 0 && errno != EINTR) {
      send->outcome = "error";
      send->error = errno;
      break;
    }
    // POLLERR / POLLHUP: the next sendfile reports the socket's error.
  }
  close(send->socket_fd);
  close(send->file_fd);
  napi_threadsafe_function done = send->done;
  {
    std::lock_guard<std::mutex> lock(active_mutex);
    active->erase(send);
    if (active->empty()) active_empty.notify_all();
  }
  // The result travels with its own reference: the JS handle may be collected by then.
  auto* result = new std::shared_ptr<Send>(send);
  if (napi_call_threadsafe_function(done, result, napi_tsfn_nonblocking) != napi_ok) delete result;
  napi_release_threadsafe_function(done, napi_tsfn_release);
}

void* Thread(void* arg) {
  auto* held = static_cast<std::shared_ptr<Send>*>(arg);
  std::shared_ptr<Send> send = *held;
  delete held;
  Run(std::move(send));
  return nullptr;
}

void CallDone(napi_env env, napi_value callback, void* /*context*/, void* data) {
  std::unique_ptr<std::shared_ptr<Send>> held(static_cast<std::shared_ptr<Send>*>(data));
  if (env == nullptr || callback == nullptr) return;
  Send* send = held->get();
  napi_value args[3];
  napi_create_string_utf8(env, send->outcome, NAPI_AUTO_LENGTH, &args[0]);
  napi_create_double(env, static_cast<double>(send->sent), &args[1]);
  if (send->error != 0) {
    napi_create_string_utf8(env, strerror(send->error), NAPI_AUTO_LENGTH, &args[2]);
  } else {
    napi_get_null(env, &args[2]);
  }
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 3, args, nullptr);
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

int64_t Integer(napi_env env, napi_value value, bool* ok) {
  int64_t out = 0;
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok || d < 0 || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d))) {
    *ok = false;
    return 0;
  }
  napi_get_value_int64(env, value, &out);
  return out;
}

void FreeHandle(napi_env /*env*/, void* data, void* /*hint*/) {
  delete static_cast<std::shared_ptr<Send>*>(data);
}

// send(fileFd, socketFd, offset, length, idleMs, copy, callback(outcome, sent, error)) -> handle
napi_value StartSend(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 7) return Throw(env, "send(fileFd, socketFd, offset, length, idleMs, copy, callback)");
  bool ok = true;
  int64_t file_fd = Integer(env, argv[0], &ok);
  int64_t socket_fd = Integer(env, argv[1], &ok);
  int64_t offset = Integer(env, argv[2], &ok);
  int64_t length = Integer(env, argv[3], &ok);
  int64_t idle_ms = Integer(env, argv[4], &ok);
  bool copy = false;
  if (napi_get_value_bool(env, argv[5], &copy) != napi_ok) ok = false;
  napi_valuetype type;
  napi_typeof(env, argv[6], &type);
  if (!ok || type != napi_function || file_fd > INT32_MAX || socket_fd > INT32_MAX || idle_ms > INT32_MAX) {
    return Throw(env, "send: descriptors, offset, length and idleMs must be non-negative integers, copy a boolean, callback a function");
  }
  auto send = std::make_shared<Send>();
  send->copy = copy;
  send->offset = static_cast<off_t>(offset);
  send->remaining = static_cast<uint64_t>(length);
  send->idle_ms = static_cast<int>(idle_ms);
  send->file_fd = fcntl(static_cast<int>(file_fd), F_DUPFD_CLOEXEC, 0);
  send->socket_fd = send->file_fd < 0 ? -1 : fcntl(static_cast<int>(socket_fd), F_DUPFD_CLOEXEC, 0);
  if (send->socket_fd < 0) {
    int error = errno;
    if (send->file_fd >= 0) close(send->file_fd);
    return Throw(env, strerror(error));
  }
  napi_value name;
  napi_create_string_utf8(env, "berth-sendfile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[6], nullptr, name, 0, 1, nullptr, nullptr, nullptr, CallDone, &send->done) != napi_ok) {
    close(send->socket_fd);
    close(send->file_fd);
    return Throw(env, "send: could not create the completion callback");
  }
  napi_value handle;
  auto* held = new std::shared_ptr<Send>(send);
  napi_create_external(env, held, FreeHandle, nullptr, &handle);
  {
    std::lock_guard<std::mutex> lock(active_mutex);
    active->insert(send);
  }
  // The loop needs little stack; the default (8 MiB of address space) is a waste per send.
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 256 * 1024);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  auto* arg = new std::shared_ptr<Send>(send);
  int error = pthread_create(&thread, &attributes, Thread, arg);
  pthread_attr_destroy(&attributes);
  if (error != 0) {
    delete arg;
    {
      std::lock_guard<std::mutex> lock(active_mutex);
      active->erase(send);
    }
    close(send->socket_fd);
    close(send->file_fd);
    napi_release_threadsafe_function(send->done, napi_tsfn_abort);
    return Throw(env, strerror(error));
  }
  return handle;
}

// cancel(handle): the thread stops within one poll slice and still calls back ("cancelled").
napi_value Cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  if (argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return Throw(env, "cancel(handle)");
  (*static_cast<std::shared_ptr<Send>*>(data))->cancelled.store(true);
  return nullptr;
}

// active(): sends whose thread has not finished, for tests and the caller's bound.
napi_value Active(napi_env env, napi_callback_info /*info*/) {
  size_t count;
  {
    std::lock_guard<std::mutex> lock(active_mutex);
    count = active->size();
  }
  napi_value out;
  napi_create_uint32(env, static_cast<uint32_t>(count), &out);
  return out;
}

// At teardown no thread may outlive the environment whose callbacks it would call.
void CancelAll(void* /*arg*/) {
  std::unique_lock<std::mutex> lock(active_mutex);
  for (const auto& send : *active) send->cancelled.store(true);
  active_empty.wait_for(lock, std::chrono::seconds(2), [] { return active->empty(); });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"send", nullptr, StartSend, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cancel", nullptr, Cancel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"active", nullptr, Active, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 3, properties);
  // The JS side loads only the interface it was written for: a build left from an older
  // checkout (send without `copy`) would fail every big pull instead of falling back.
  napi_value interface_version;
  napi_create_uint32(env, 2, &interface_version);
  napi_set_named_property(env, exports, "interfaceVersion", interface_version);
  napi_add_env_cleanup_hook(env, CancelAll, nullptr);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
