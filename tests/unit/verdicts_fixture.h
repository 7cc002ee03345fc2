/* verdicts_fixture.h — the daemon's continuous verdicts for a unit test:
 * targets from a config document, and a loop the test runs only to let
 * followed host agents answer (the verdicts themselves are driven through
 * the _at functions of verdicts_int.h on the test's own clock). */
#ifndef NB_TEST_VERDICTS_FIXTURE_H
#define NB_TEST_VERDICTS_FIXTURE_H

#include <string.h>

#include "daemon/verdicts_int.h"
#include "net/http.h"
#include "netblame/mem.h"

struct vd_fix {
    struct ev_loop *loop;
    struct nb_http *http; /* NULL: no host agents followed (path peers end to end) */
    struct nb_config cfg;
    struct nb_verdicts *v;
};

/* A loop, and with FOLLOW an HTTP client on it for the host agents. */
static struct vd_fix *vd_fix_new(bool follow)
{
    struct vd_fix *f = nb_calloc(1, sizeof(*f));
    char err[256];
    f->loop = ev_loop_new(EVFLAG_AUTO);
    if (follow) {
        f->http = nb_http_new(f->loop, err, sizeof(err));
        assert_non_null(f->http);
    }
    return f;
}

/* The verdicts of the targets CONFIG (a netblamed config document) names. */
static void vd_fix_verdicts(struct vd_fix *f, const char *config)
{
    char err[256];
    assert_int_equal(
        nb_config_parse(config, strlen(config), "test.json", &f->cfg, err, sizeof(err)), 0);
    f->v = nb_verdicts_new(f->loop, f->http, &f->cfg, NULL);
}

static void vd_fix_free(struct vd_fix *f)
{
    nb_verdicts_free(f->v);
    nb_config_free(&f->cfg);
    if (f->http)
        nb_http_free(f->http);
    ev_loop_destroy(f->loop);
    free(f);
}

static int vd_fix_teardown(void **state)
{
    vd_fix_free(*state);
    return 0;
}

#endif
