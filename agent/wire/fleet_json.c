/* fleet_json.c — the fabric inventory file's one parser (fleet_json.h): each
 * host checked as it is read (names, a numeric address stored in its
 * canonical form), then names and addresses checked unique by sorting, so
 * that a 100,000-host file costs O(n log n), not a comparison per pair. */
#include "wire/fleet_json.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/config_section.h"

static int read_host(struct nb_jr *x, const cJSON *o, const char *path, struct nb_fleet_host *h)
{
    static const char *const keys[] = {"name", "address", "tor", "pod", NULL};
    unsigned char bin[sizeof(struct in6_addr)];
    char addr[NB_HOST_MAX];
    int af;

    if (!cJSON_IsObject(o))
        return nb_jr_fail(x, path, NULL, "must be an object (got %s)", nb_jr_type(o));
    if (nb_jr_members(x, o, path, keys, NULL) < 0 ||
        nb_cfg_name(x, o, path, "name", NB_JR_REQUIRED, h->name) < 0 ||
        nb_cfg_addr(x, o, path, "address", NB_JR_REQUIRED, addr) < 0 ||
        nb_cfg_name(x, o, path, "tor", NB_JR_REQUIRED, h->tor) < 0 ||
        nb_cfg_name(x, o, path, "pod", NB_JR_REQUIRED, h->pod) < 0)
        return -1;
    /* canonical text, so "2001:db8::1" and "2001:db8:0::1" are one host */
    af = inet_pton(AF_INET, addr, bin) == 1 ? AF_INET : AF_INET6;
    if (inet_pton(af, addr, bin) != 1 || !inet_ntop(af, bin, h->addr, sizeof(h->addr)))
        return nb_jr_fail(x, path, "address", "not a numeric address");
    return 0;
}

struct dup_key {
    const struct nb_fleet_host *h;
    size_t off; /* of the field compared */
};

static int by_field(const void *a, const void *b, void *arg)
{
    const struct dup_key *k = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp((const char *)&k->h[i] + k->off, (const char *)&k->h[j] + k->off);
    return c ? c : i < j ? -1 : i > j;
}

/* Refuse the first host (in file order of the later one) whose field at OFF
 * (named KEY) repeats an earlier host's; ORD is scratch of F->n entries. */
static int unique(struct nb_jr *x, const struct nb_fleet *f, size_t off, const char *key,
                  size_t *ord)
{
    struct dup_key k = {f->hosts, off};
    size_t bad = (size_t)-1, first = 0;
    char path[40], q[NB_JR_QUOTE_MAX];

    for (size_t i = 0; i < f->n; i++)
        ord[i] = i;
    qsort_r(ord, f->n, sizeof(*ord), by_field, &k);
    for (size_t i = 1; i < f->n; i++)
        if (strcmp((const char *)&f->hosts[ord[i - 1]] + off,
                   (const char *)&f->hosts[ord[i]] + off) == 0 &&
            ord[i] < bad) {
            bad = ord[i]; /* the later of the pair: sorted by index within equals */
            first = ord[i - 1];
        }
    if (bad == (size_t)-1)
        return 0;
    nb_jr_index(path, sizeof(path), "hosts", bad);
    nb_jr_quote(q, sizeof(q), (const char *)&f->hosts[bad] + off);
    return nb_jr_fail(x, path, key, "%s is also hosts[%zu]'s: each host once", q, first);
}

int nb_fleet_json_parse(const char *text, size_t len, const char *doc, struct nb_fleet *out,
                        char *err, size_t errlen)
{
    static const char *const top[] = {"hosts", NULL};
    struct nb_jr x = {.doc = doc ? doc : "inventory", .err = err, .errlen = errlen};
    struct nb_fleet f = {0};
    cJSON *root = NULL;
    const cJSON *arr;
    size_t *ord = NULL, n;
    char path[40];
    int ret = -1;

    out->hosts = NULL;
    out->n = 0;
    if (len > NB_FLEET_BYTES_MAX)
        return nb_jr_fail(&x, NULL, NULL, "too large (%zu bytes; the limit is %d)", len,
                          NB_FLEET_BYTES_MAX);
    if (nb_jr_parse(&x, text, len, &root) < 0)
        return -1;
    if (!cJSON_IsObject(root)) {
        nb_jr_fail(&x, NULL, NULL, "the document must be a JSON object (got %s)", nb_jr_type(root));
        goto out;
    }
    if (nb_jr_members(&x, root, "", top, NULL) < 0 ||
        nb_jr_arr(&x, root, "", "hosts", NB_JR_REQUIRED, &arr) < 0)
        goto out;
    n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_FLEET_MAX) {
        nb_jr_fail(&x, NULL, "hosts", "at most %d hosts (got %zu)", NB_FLEET_MAX, n);
        goto out;
    }
    f.hosts = nb_calloc(n ? n : 1, sizeof(*f.hosts));
    for (const cJSON *it = arr->child; it; it = it->next, f.n++) {
        nb_jr_index(path, sizeof(path), "hosts", f.n);
        if (read_host(&x, it, path, &f.hosts[f.n]) < 0)
            goto out;
    }
    ord = nb_calloc(f.n ? f.n : 1, sizeof(*ord));
    if (unique(&x, &f, offsetof(struct nb_fleet_host, name), "name", ord) < 0 ||
        unique(&x, &f, offsetof(struct nb_fleet_host, addr), "address", ord) < 0)
        goto out;
    *out = f;
    f.hosts = NULL;
    ret = 0;
out:
    free(ord);
    free(f.hosts);
    cJSON_Delete(root);
    return ret;
}
