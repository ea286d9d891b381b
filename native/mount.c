/* mount(2) in place and umount2(2) on the libuv thread pool (see berth_sys.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "berth_sys.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

struct job {
  napi_async_work work;
  napi_deferred deferred;
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

/* The mount of `j`: in place, or with a cwd on a thread of its own, joined at once. */
static void run_mount(struct job *j) {
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

/* Thread-pool work: umount2 only. */
static void execute(napi_env env, void *data) {
  (void)env;
  struct job *j = data;
  if (umount2(j->target, (int)j->flags) != 0) j->err = errno;
}

static void complete(napi_env env, napi_status status, void *data) {
  struct job *j = data;
  if (status == napi_ok && j->err == 0) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, j->deferred, undef);
  } else {
    int err = status == napi_ok ? j->err : ECANCELED;
    napi_reject_deferred(env, j->deferred, errno_error(env, "umount2", j->target, err));
  }
  napi_delete_async_work(env, j->work);
  job_free(j);
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

/* The arguments of mountSync(): a job, or NULL with a TypeError thrown. */
static struct job *mount_job(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct job *j = calloc(1, sizeof *j);
  const char *text = "mountSync(source, target, fstype, flags, data, cwd): target must be a string; "
                     "source, fstype, data and cwd strings or null; flags a number";
  if (!j || argc < 6) {
    free(j);
    napi_throw_type_error(env, NULL, text);
    return NULL;
  }
  int bad = 0;
  double flags = 0;
  j->source = str_arg(env, argv[0], &bad);
  j->target = str_arg(env, argv[1], &bad);
  j->fstype = str_arg(env, argv[2], &bad);
  j->data = str_arg(env, argv[4], &bad);
  j->cwd = str_arg(env, argv[5], &bad);
  if (napi_get_value_double(env, argv[3], &flags) != napi_ok || flags < 0) bad = 1;
  if (bad || !j->target) {
    job_free(j);
    napi_throw_type_error(env, NULL, text);
    return NULL;
  }
  j->flags = (unsigned long)flags;
  return j;
}

/*
 * mount(2) on the calling thread (a cwd: on a thread of its own, joined at
 * once). The daemon mounts only quick local overlays, on the container start
 * path, where a thread-pool round trip costs more than the call.
 */
napi_value js_mount_sync(napi_env env, napi_callback_info info) {
  struct job *j = mount_job(env, info);
  if (!j) return NULL;
  run_mount(j);
  int err = j->err;
  if (err) napi_throw(env, errno_error(env, "mount", j->target, err));
  job_free(j);
  return NULL;
}

napi_value js_umount2(napi_env env, napi_callback_info info) {
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

