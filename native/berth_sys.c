/*
 * berth_sys: the system calls berthd needs that Node.js does not offer,
 * as a Node-API addon (ABI-stable across Node versions).
 *
 *   mountSync(source, target, fstype, flags, data, cwd) -> void (throws)
 *   umount2(target, flags)                          -> Promise<void>
 *   socketpair()                                    -> [fd, fd]
 *   spawn(file, args, env, cwd, fds, onExit)        -> pid
 *
 * spawn starts a program with posix_spawn, which glibc runs with
 * clone(CLONE_VM|CLONE_VFORK): unlike libuv's fork(), it copies none of
 * the daemon's page tables (about 3 ms per spawn at the daemon's size).
 * The child gets fds[i] as its fd i (-1: /dev/null), default signal
 * handlers and an empty signal mask; a thread of its own waits for it and
 * calls onExit(code, signal).
 *
 * mountSync runs on the calling thread and umount2 on the libuv thread
 * pool (native/mount.c); a mount with a `cwd` runs on a
 * thread of its own that first leaves the process's shared filesystem
 * context (unshare(CLONE_FS)) so that it can chdir without moving the
 * working directory of the daemon's other threads: overlay lower
 * directories are given relative to the layer store, as Docker's overlay2
 * does, to keep the option string within one page.
 *
 * A failure rejects with an Error carrying `errno` (the number) and
 * `syscall`; the JavaScript side names the code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "berth_sys.h"

char *str_arg(napi_env env, napi_value v, int *bad) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) {
    *bad = 1;
    return NULL;
  }
  if (t == napi_null || t == napi_undefined) return NULL;
  size_t len;
  if (t != napi_string || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    *bad = 1;
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s || napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    *bad = 1;
    return NULL;
  }
  return s;
}

napi_value errno_error(napi_env env, const char *call, const char *path, int err) {
  char text[512];
  snprintf(text, sizeof text, "%s%s%s: %s", call, path ? " " : "", path ? path : "", strerror(err));
  napi_value msg, error, num, name;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, error, "syscall", name);
  return error;
}

napi_value throw_errno(napi_env env, const char *call, int err) {
  napi_throw(env, errno_error(env, call, NULL, err));
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "mountSync", NAPI_AUTO_LENGTH, js_mount_sync, NULL, &fn);
  napi_set_named_property(env, exports, "mountSync", fn);
  napi_create_function(env, "umount2", NAPI_AUTO_LENGTH, js_umount2, NULL, &fn);
  napi_set_named_property(env, exports, "umount2", fn);
  napi_create_function(env, "socketpair", NAPI_AUTO_LENGTH, js_socketpair, NULL, &fn);
  napi_set_named_property(env, exports, "socketpair", fn);
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, js_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  return exports;
}

