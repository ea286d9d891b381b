/*
 * berth_sys: the system calls berthd needs that Node.js does not offer,
 * as a Node-API addon (ABI-stable across Node versions).
 *
 *   mount(source, target, fstype, flags, data, cwd) -> Promise<void>
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
 * Each call runs on the libuv thread pool. A mount with a `cwd` runs on a
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
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum op { OP_MOUNT, OP_UMOUNT2 };

struct job {
  napi_async_work work;
  napi_deferred deferred;
  enum op op;
  char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int err;
};

static void job_free(struct job *j) {
  free(j->source);
  free(j->target);
  free(j->fstype);
  free(j->data);
  free(j->cwd);
  free(j);
}

static void do_mount(struct job *j) {
  if (mount(j->source, j->target, j->fstype, j->flags, j->data) != 0) j->err = errno;
}

static void *mount_in_cwd(void *arg) {
  struct job *j = arg;
  if (unshare(CLONE_FS) != 0 || chdir(j->cwd) != 0) {
    j->err = errno;
    return NULL;
  }
  do_mount(j);
  return NULL;
}

static void execute(napi_env env, void *data) {
  (void)env;
  struct job *j = data;
  if (j->op == OP_UMOUNT2) {
    if (umount2(j->target, (int)j->flags) != 0) j->err = errno;
    return;
  }
  if (!j->cwd) {
    do_mount(j);
    return;
  }
  pthread_t t;
  int rc = pthread_create(&t, NULL, mount_in_cwd, j);
  if (rc != 0) {
    j->err = rc;
    return;
  }
  pthread_join(t, NULL);
}

static void complete(napi_env env, napi_status status, void *data) {
  struct job *j = data;
  if (status == napi_ok && j->err == 0) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, j->deferred, undef);
  } else {
    int err = status == napi_ok ? j->err : ECANCELED;
    const char *call = j->op == OP_MOUNT ? "mount" : "umount2";
    char text[512];
    snprintf(text, sizeof text, "%s %s: %s", call, j->target ? j->target : "", strerror(err));
    napi_value msg, error, num, name;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &error);
    napi_create_int32(env, err, &num);
    napi_set_named_property(env, error, "errno", num);
    napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &name);
    napi_set_named_property(env, error, "syscall", name);
    napi_reject_deferred(env, j->deferred, error);
  }
  napi_delete_async_work(env, j->work);
  job_free(j);
}

/* A string argument, or NULL for null/undefined. Sets *bad on a wrong type. */
static char *str_arg(napi_env env, napi_value v, int *bad) {
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

static napi_value queue(napi_env env, struct job *j) {
  napi_value promise, name;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "berth_sys", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    job_free(j);
    napi_throw_error(env, NULL, "berth_sys: cannot queue the call");
    return NULL;
  }
  return promise;
}

static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct job *j = calloc(1, sizeof *j);
  if (!j || argc < 6) {
    free(j);
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, flags, data, cwd)");
    return NULL;
  }
  int bad = 0;
  double flags = 0;
  j->op = OP_MOUNT;
  j->source = str_arg(env, argv[0], &bad);
  j->target = str_arg(env, argv[1], &bad);
  j->fstype = str_arg(env, argv[2], &bad);
  j->data = str_arg(env, argv[4], &bad);
  j->cwd = str_arg(env, argv[5], &bad);
  if (napi_get_value_double(env, argv[3], &flags) != napi_ok || flags < 0) bad = 1;
  if (bad || !j->target) {
    job_free(j);
    napi_throw_type_error(env, NULL, "mount: target must be a string; source, fstype, data and cwd strings or null; flags a number");
    return NULL;
  }
  j->flags = (unsigned long)flags;
  return queue(env, j);
}

static napi_value js_umount2(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct job *j = calloc(1, sizeof *j);
  if (!j || argc < 2) {
    free(j);
    napi_throw_type_error(env, NULL, "umount2(target, flags)");
    return NULL;
  }
  int bad = 0;
  int32_t flags = 0;
  j->op = OP_UMOUNT2;
  j->target = str_arg(env, argv[0], &bad);
  if (napi_get_value_int32(env, argv[1], &flags) != napi_ok || flags < 0) bad = 1;
  if (bad || !j->target) {
    job_free(j);
    napi_throw_type_error(env, NULL, "umount2: target must be a string and flags a number");
    return NULL;
  }
  j->flags = (unsigned long)flags;
  return queue(env, j);
}

/* ---- socketpair ---- */

static napi_value throw_errno(napi_env env, const char *call, int err) {
  char text[256];
  snprintf(text, sizeof text, "%s: %s", call, strerror(err));
  napi_value msg, error, num, name;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, error, "syscall", name);
  napi_throw(env, error);
  return NULL;
}

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return throw_errno(env, "socketpair", errno);
  napi_value arr, a, b;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, sv[0], &a);
  napi_create_int32(env, sv[1], &b);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  return arr;
}

/* ---- spawn ---- */

struct reaper {
  pid_t pid;
  napi_threadsafe_function tsfn;
};

struct exit_info {
  int code;
  int signal;
};

static void *reap(void *arg) {
  struct reaper *r = arg;
  int status = 0;
  pid_t got;
  do got = waitpid(r->pid, &status, 0);
  while (got < 0 && errno == EINTR);
  struct exit_info *x = malloc(sizeof *x);
  if (x) {
    x->code = got > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    x->signal = got > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (napi_call_threadsafe_function(r->tsfn, x, napi_tsfn_blocking) != napi_ok) free(x);
  }
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  free(r);
  return NULL;
}

static void call_on_exit(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  struct exit_info *x = data;
  if (env && cb) {
    napi_value argv[2], undef;
    napi_create_int32(env, x->code, &argv[0]);
    napi_create_int32(env, x->signal, &argv[1]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 2, argv, NULL);
  }
  free(x);
}

/* A NULL-terminated copy of a JS array of strings; NULL on a wrong type. */
static char **str_array(napi_env env, napi_value v) {
  bool is;
  uint32_t n;
  if (napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    int bad = 0;
    if (napi_get_element(env, v, i, &e) != napi_ok || !(out[i] = str_arg(env, e, &bad)) || bad) {
      for (uint32_t k = 0; k <= i; k++) free(out[k]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_array(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

#define MAX_CHILD_FDS 16

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int bad = argc < 6;
  char *file = bad ? NULL : str_arg(env, argv[0], &bad);
  char **args = bad ? NULL : str_array(env, argv[1]);
  char **envp = bad ? NULL : str_array(env, argv[2]);
  char *cwd = bad ? NULL : str_arg(env, argv[3], &bad);
  int fds[MAX_CHILD_FDS];
  uint32_t nfds = 0;
  bool is_array = false;
  napi_valuetype cbt = napi_undefined;
  if (!bad) {
    napi_is_array(env, argv[4], &is_array);
    napi_typeof(env, argv[5], &cbt);
    if (!is_array || napi_get_array_length(env, argv[4], &nfds) != napi_ok || nfds < 3 || nfds > MAX_CHILD_FDS || cbt != napi_function) bad = 1;
    for (uint32_t i = 0; !bad && i < nfds; i++) {
      napi_value e;
      if (napi_get_element(env, argv[4], i, &e) != napi_ok || napi_get_value_int32(env, e, &fds[i]) != napi_ok || fds[i] < -1) bad = 1;
    }
  }
  napi_value result = NULL;
  if (bad || !file || !args || !envp || !cwd) {
    napi_throw_type_error(env, NULL, "spawn(file, args[], env[], cwd, fds[3..16], onExit)");
    goto out;
  }
  /* a source fd that is also a target below it would be overwritten first: use copies above every target */
  int copies[MAX_CHILD_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    copies[i] = -1;
    if (fds[i] >= 0 && fds[i] < (int)nfds) {
      copies[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)nfds);
      if (copies[i] < 0) {
        int err = errno;
        for (uint32_t k = 0; k < i; k++) if (copies[k] >= 0) close(copies[k]);
        throw_errno(env, "fcntl", err);
        goto out;
      }
    }
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  for (uint32_t i = 0; i < nfds; i++) {
    int src = copies[i] >= 0 ? copies[i] : fds[i];
    if (src >= 0) posix_spawn_file_actions_adddup2(&fa, src, (int)i);
    else posix_spawn_file_actions_addopen(&fa, (int)i, "/dev/null", O_RDWR, 0);
  }
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int rc = posix_spawn(&pid, file, &fa, &attr, args, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  for (uint32_t i = 0; i < nfds; i++) if (copies[i] >= 0) close(copies[i]);
  if (rc != 0) {
    throw_errno(env, "spawn", rc);
    goto out;
  }
  struct reaper *r = calloc(1, sizeof *r);
  napi_value name;
  napi_create_string_utf8(env, "berth_sys.spawn", NAPI_AUTO_LENGTH, &name);
  pthread_t t;
  pthread_attr_t ta;
  if (!r || napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, NULL, call_on_exit, &r->tsfn) != napi_ok) {
    free(r);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    throw_errno(env, "spawn", ENOMEM);
    goto out;
  }
  /* the reaper thread must not keep the event loop alive by itself */
  napi_unref_threadsafe_function(env, r->tsfn);
  r->pid = pid;
  pthread_attr_init(&ta);
  pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&ta, 64 * 1024);
  if (pthread_create(&t, &ta, reap, r) != 0) {
    /* no thread: reap in place after a kill, so that no zombie is left */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    free(r);
    pthread_attr_destroy(&ta);
    throw_errno(env, "pthread_create", EAGAIN);
    goto out;
  }
  pthread_attr_destroy(&ta);
  napi_create_int32(env, pid, &result);
out:
  free(file);
  free(cwd);
  free_array(args);
  free_array(envp);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "mount", NAPI_AUTO_LENGTH, js_mount, NULL, &fn);
  napi_set_named_property(env, exports, "mount", fn);
  napi_create_function(env, "umount2", NAPI_AUTO_LENGTH, js_umount2, NULL, &fn);
  napi_set_named_property(env, exports, "umount2", fn);
  napi_create_function(env, "socketpair", NAPI_AUTO_LENGTH, js_socketpair, NULL, &fn);
  napi_set_named_property(env, exports, "socketpair", fn);
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, js_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  return exports;
}
