/* test_spool.c — the alert spool (alert/spool.c) in a temporary directory:
 * put, list, read and finish; a full spool refuses with its own answer;
 * a restart lists the entries in arrival order and numbers new ones after
 * every name it has seen (dead letters included); progress marks survive a
 * restart and a torn last line is not taken as done; truncated, damaged and
 * foreign files found at open are moved to corrupt/ and counted, leftovers
 * removed; a failing fsync is reported and leaves nothing behind; dead/
 * stays bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/spool.h"
#include "netblame/log.h"

struct fix {
    char dir[256];
    char err[256];
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/nbspool.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static bool exists(const struct fix *f, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
    return access(p, F_OK) == 0;
}

static size_t count_files(const struct fix *f, const char *sub)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, sub);
    DIR *d = opendir(p);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && de->d_type == DT_REG)
            n++;
    closedir(d);
    return n;
}

static void write_rel(const struct fix *f, const char *rel, const char *data, size_t len)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static uint64_t put(struct fix *f, struct nb_spool *sp, const char *text)
{
    uint64_t seq = 0;
    assert_int_equal(
        nb_spool_put(sp, text, strlen(text), 1700000000123456789LL, &seq, f->err, sizeof(f->err)),
        NB_SPOOL_OK);
    return seq;
}

static void assert_read(struct fix *f, struct nb_spool *sp, uint64_t seq, const char *want)
{
    struct nb_buf b;
    nb_buf_init(&b);
    assert_int_equal(nb_spool_read(sp, seq, &b, f->err, sizeof(f->err)), 0);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    nb_buf_free(&b);
}

static void test_put_list_read_finish(void **state)
{
    struct fix *f = *state;
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t a = put(f, sp, "{\"n\":1}"), b = put(f, sp, "{\"n\":2}"), c = put(f, sp, "");
    assert_true(a < b && b < c);
    size_t n;
    const struct nb_spool_entry *e = nb_spool_entries(sp, &n);
    assert_int_equal(n, 3);
    assert_int_equal(e[0].seq, a);
    assert_int_equal(e[2].seq, c);
    assert_int_equal(e[0].accept_real, 1700000000123456789LL);
    assert_read(f, sp, b, "{\"n\":2}");
    assert_read(f, sp, c, "");
    uint64_t bytes = nb_spool_stats(sp)->bytes;
    assert_int_equal(bytes, e[0].bytes + e[1].bytes + e[2].bytes);
    assert_int_equal(nb_spool_finish(sp, b, false, f->err, sizeof(f->err)), 0);
    e = nb_spool_entries(sp, &n);
    assert_int_equal(n, 2);
    assert_int_equal(e[1].seq, c);
    assert_int_equal(nb_spool_stats(sp)->entries, 2);
    assert_true(nb_spool_stats(sp)->bytes < bytes);
    assert_int_equal(count_files(f, "."), 2);
    struct nb_buf buf;
    nb_buf_init(&buf);
    assert_int_equal(nb_spool_read(sp, b, &buf, f->err, sizeof(f->err)), -1);
    nb_buf_free(&buf);
    assert_int_equal(nb_spool_finish(sp, b, false, f->err, sizeof(f->err)), -1);
    nb_spool_close(sp);
}

static void test_full_spool_refuses(void **state)
{
    struct fix *f = *state;
    char big[400];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct nb_spool *sp = nb_spool_open(f->dir, 1000, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t a = put(f, sp, big);
    put(f, sp, big);
    uint64_t seq = 0;
    assert_int_equal(nb_spool_put(sp, big, strlen(big), 0, &seq, f->err, sizeof(f->err)),
                     NB_SPOOL_FULL);
    assert_non_null(strstr(f->err, "full"));
    assert_int_equal(nb_spool_stats(sp)->full_total, 1);
    assert_int_equal(nb_spool_stats(sp)->entries, 2);
    assert_int_equal(count_files(f, "."), 2); /* nothing half-written */
    /* one larger than the whole spool can never fit */
    char huge[1200];
    memset(huge, 'y', sizeof(huge));
    assert_int_equal(nb_spool_put(sp, huge, sizeof(huge), 0, &seq, f->err, sizeof(f->err)),
                     NB_SPOOL_FULL);
    /* room again once one is delivered */
    assert_int_equal(nb_spool_finish(sp, a, false, f->err, sizeof(f->err)), 0);
    put(f, sp, big);
    assert_int_equal(nb_spool_stats(sp)->full_total, 2);
    nb_spool_close(sp);
}

static void test_restart_keeps_order(void **state)
{
    struct fix *f = *state;
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t seqs[12];
    char text[32];
    for (int i = 0; i < 12; i++) {
        snprintf(text, sizeof(text), "{\"i\":%d}", i);
        seqs[i] = put(f, sp, text);
    }
    /* the last one is a dead letter: its number must never come back */
    assert_int_equal(nb_spool_finish(sp, seqs[11], true, f->err, sizeof(f->err)), 0);
    assert_int_equal(nb_spool_finish(sp, seqs[3], false, f->err, sizeof(f->err)), 0);
    nb_spool_close(sp);

    sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    size_t n;
    const struct nb_spool_entry *e = nb_spool_entries(sp, &n);
    assert_int_equal(n, 10);
    for (size_t i = 0, j = 0; i < 11; i++) {
        if (i == 3)
            continue;
        assert_int_equal(e[j].seq, seqs[i]);
        snprintf(text, sizeof(text), "{\"i\":%zu}", i);
        assert_read(f, sp, e[j].seq, text);
        j++;
    }
    assert_true(put(f, sp, "{}") > seqs[11]);
    assert_int_equal(nb_spool_stats(sp)->corrupt_total, 0);
    nb_spool_close(sp);
}

struct marks {
    unsigned n;
    uint64_t sink[8];
    unsigned index[8];
    bool delivered[8];
};

static void on_mark(void *arg, uint64_t sink, unsigned index, bool delivered)
{
    struct marks *m = arg;
    assert_true(m->n < 8);
    m->sink[m->n] = sink;
    m->index[m->n] = index;
    m->delivered[m->n++] = delivered;
}

static void test_marks_survive_restart(void **state)
{
    struct fix *f = *state;
    uint64_t pd = nb_spool_sink_id("pagerduty:pd"), hook = nb_spool_sink_id("webhook:hook");
    assert_true(pd != hook);
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t a = put(f, sp, "{\"a\":1}");
    uint64_t b = put(f, sp, "{\"b\":1}");
    assert_int_equal(nb_spool_mark(sp, a, pd, 0, true, f->err, sizeof(f->err)), 0);
    assert_int_equal(nb_spool_mark(sp, a, pd, 2, false, f->err, sizeof(f->err)), 0);
    assert_int_equal(nb_spool_mark(sp, a, hook, 0, true, f->err, sizeof(f->err)), 0);
    nb_spool_close(sp);

    /* a crash in the middle of an append: the torn line is not a mark */
    char name[64];
    snprintf(name, sizeof(name), "e-%016" PRIx64 ".p", a);
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, name);
    FILE *fp = fopen(p, "a");
    fputs("0123456789abcdef 1", fp);
    fclose(fp);

    sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    struct marks m = {0};
    assert_int_equal(nb_spool_marks(sp, a, on_mark, &m), 3);
    assert_int_equal(m.n, 3);
    assert_true(m.sink[0] == pd && m.index[0] == 0 && m.delivered[0]);
    assert_true(m.sink[1] == pd && m.index[1] == 2 && !m.delivered[1]);
    assert_true(m.sink[2] == hook && m.index[2] == 0 && m.delivered[2]);
    struct marks none = {0};
    assert_int_equal(nb_spool_marks(sp, b, on_mark, &none), 0);
    /* a dead letter takes its marks with it, to say which sink refused */
    assert_int_equal(nb_spool_finish(sp, a, true, f->err, sizeof(f->err)), 0);
    char dead[96];
    snprintf(dead, sizeof(dead), "dead/%s", name);
    assert_true(exists(f, dead));
    assert_false(exists(f, name));
    assert_int_equal(nb_spool_stats(sp)->dead_total, 1);
    nb_spool_close(sp);
}

static void test_corrupt_files_moved_aside(void **state)
{
    struct fix *f = *state;
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t good = put(f, sp, "{\"good\":true}");
    uint64_t trunc = put(f, sp, "{\"truncated\":\"yes, it is\"}");
    uint64_t flip = put(f, sp, "{\"flipped\":1}");
    uint64_t good2 = put(f, sp, "{\"good\":2}");
    nb_spool_close(sp);

    char p[512];
    snprintf(p, sizeof(p), "%s/e-%016" PRIx64, f->dir, trunc);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(truncate(p, st.st_size - 5), 0);
    snprintf(p, sizeof(p), "%s/e-%016" PRIx64, f->dir, flip);
    int fd = open(p, O_WRONLY);
    assert_int_equal(pwrite(fd, "X", 1, st.st_size - 20), 1);
    close(fd);
    /* a name of ours with no valid header, an empty one, a temporary, an
     * orphan progress file and a foreign file */
    write_rel(f, "e-00000000000000f0", "not a spool entry\n", 18);
    write_rel(f, "e-00000000000000f1", "", 0);
    write_rel(f, "tmp-00000000000000f2", "NBSPOOL1 half", 13);
    write_rel(f, "e-00000000000000f3.p", "0123456789abcdef 0 d\n", 21);
    write_rel(f, "README", "mine", 4);

    sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    size_t n;
    const struct nb_spool_entry *e = nb_spool_entries(sp, &n);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].seq, good);
    assert_int_equal(e[1].seq, good2);
    assert_int_equal(nb_spool_stats(sp)->corrupt_total, 4);
    assert_int_equal(count_files(f, "corrupt"), 4);
    assert_false(exists(f, "tmp-00000000000000f2"));
    assert_false(exists(f, "e-00000000000000f3.p"));
    assert_true(exists(f, "README"));
    assert_read(f, sp, good2, "{\"good\":2}");
    assert_true(put(f, sp, "{}") > 0xf3); /* numbered after every name seen */

    /* damaged after the open: found when read, moved aside, not returned */
    snprintf(p, sizeof(p), "%s/e-%016" PRIx64, f->dir, good);
    assert_int_equal(truncate(p, 3), 0);
    struct nb_buf b;
    nb_buf_init(&b);
    assert_int_equal(nb_spool_read(sp, good, &b, f->err, sizeof(f->err)), -1);
    nb_buf_free(&b);
    assert_int_equal(nb_spool_stats(sp)->corrupt_total, 5);
    e = nb_spool_entries(sp, &n);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].seq, good2);
    nb_spool_close(sp);
}

static int fail_sync(int fd)
{
    errno = EIO;
    return -1;
}

static void test_fsync_errors_surface(void **state)
{
    struct fix *f = *state;
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    uint64_t a = put(f, sp, "{\"a\":1}");
    nb_spool_set_fsync(sp, fail_sync);
    uint64_t seq = 0;
    assert_int_equal(nb_spool_put(sp, "{}", 2, 0, &seq, f->err, sizeof(f->err)), NB_SPOOL_IO);
    assert_non_null(strstr(f->err, "fsync"));
    assert_int_equal(nb_spool_stats(sp)->entries, 1);
    assert_int_equal(count_files(f, "."), 1); /* the temporary is gone */
    assert_int_equal(nb_spool_mark(sp, a, 1, 0, true, f->err, sizeof(f->err)), -1);
    assert_true(nb_spool_stats(sp)->io_errors_total >= 2);
    nb_spool_set_fsync(sp, fsync);
    put(f, sp, "{}");
    assert_int_equal(nb_spool_stats(sp)->entries, 2);
    nb_spool_close(sp);
}

static void test_dead_letters_bounded(void **state)
{
    struct fix *f = *state;
    struct nb_spool *sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    nb_spool_close(sp);
    char rel[64];
    for (unsigned i = 1; i <= NB_SPOOL_ASIDE_MAX + 10; i++) {
        snprintf(rel, sizeof(rel), "dead/e-%016x", i);
        write_rel(f, rel, "x", 1);
    }
    sp = nb_spool_open(f->dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    assert_int_equal(count_files(f, "dead"), NB_SPOOL_ASIDE_MAX);
    assert_false(exists(f, "dead/e-0000000000000001")); /* the oldest went */
    assert_true(exists(f, "dead/e-0000000000000109"));
    assert_true(put(f, sp, "{}") > NB_SPOOL_ASIDE_MAX + 10);
    nb_spool_close(sp);
}

static void test_bad_directory(void **state)
{
    struct fix *f = *state;
    char err[256];
    assert_null(nb_spool_open("", 100, err, sizeof(err)));
    char p[512];
    snprintf(p, sizeof(p), "%s/file", f->dir);
    write_rel(f, "file", "x", 1);
    assert_null(nb_spool_open(p, 100, err, sizeof(err)));
    assert_non_null(strstr(err, "file"));
    /* missing parents are made */
    snprintf(p, sizeof(p), "%s/a/b/spool", f->dir);
    struct nb_spool *sp = nb_spool_open(p, 100, err, sizeof(err));
    assert_non_null(sp);
    nb_spool_close(sp);
}

int main(void)
{
    nb_log_set_level(NB_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_list_read_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_spool_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marks_survive_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_files_moved_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_errors_surface, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_letters_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
