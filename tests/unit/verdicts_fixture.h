/* verdicts_fixture.h — the daemon's continuous verdicts for a unit test:
 * targets from a config document, no host agents followed (no HTTP client:
 * path peers end to end), and a loop that never runs (the test drives the
 * verdicts through the _at functions of verdicts_int.h on its own clock). */
#ifndef NB_TEST_VERDICTS_FIXTURE_H
#define NB_TEST_VERDICTS_FIXTURE_H

#include <string.h>

#include "daemon/verdicts_int.h"
#include "netblame/mem.h"

struct vd_fix {
    struct ev_loop *loop;
    struct nb_config cfg;
    struct nb_verdicts *v;
};

static struct vd_fix *vd_fix_new(const char *config)
{
    struct vd_fix *f = nb_calloc(1, sizeof(*f));
    char err[256];
    assert_int_equal(
        nb_config_parse(config, strlen(config), "test.json", &f->cfg, err, sizeof(err)), 0);
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->v = nb_verdicts_new(f->loop, NULL, &f->cfg, NULL);
    return f;
}

static int vd_fix_teardown(void **state)
{
    struct vd_fix *f = *state;
    nb_verdicts_free(f->v);
    nb_config_free(&f->cfg);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

#endif
