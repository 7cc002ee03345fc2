/* config_inventory.c — "inventory" of netblamed's configuration (see the
 * schema in config.c): where this agent sits in the fleet, as labels of the
 * netblame_info metric ({"rack": "r12", "tor": "tor-3"}), so Prometheus can
 * join any netblame series to it and count the hosts of one rack that blame
 * the same layer (deploy/prometheus/netblame.rules.yml).
 *
 * Every rule here keeps /metrics valid and the joins unambiguous: a name is a
 * Prometheus label name; one that netblame_info already carries, or that
 * Prometheus itself attaches to every scraped series, would be renamed or
 * clash, so it is refused; a value is printable ASCII, because a label value
 * that is not UTF-8 makes Prometheus refuse the whole scrape, and an empty one
 * is the same as no label at all. */
#include "wire/config_section.h"

#include <stdio.h>
#include <string.h>

/* Label names that netblame_info sets itself (node, agent_role, version) or that
 * Prometheus attaches to every target's series (instance, job). */
static const char *const reserved[] = {"node", "agent_role", "version", "instance", "job", NULL};

/* A Prometheus label name, [a-zA-Z_][a-zA-Z0-9_]*, 1..NB_INV_NAME_MAX-1
 * characters, not "__"-prefixed (reserved for Prometheus' own use). */
static bool valid_label_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= NB_INV_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
        return false;
    if (s[0] == '_' && s[1] == '_')
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int nb_cfg_inventory(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const p = "inventory";
    const cJSON *o;
    char q[NB_JR_QUOTE_MAX];
    /* any key: the names are the operator's; nb_jr_obj still refuses a repeated one */
    int rc = nb_jr_obj(x, root, "", p, 0, NULL, &o);

    if (rc <= 0)
        return rc;
    c->ninventory = 0;
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *name = m->string, *value;

        if (!valid_label_name(name))
            return nb_jr_fail(x, p, name,
                              "a label name must be 1..%d characters of [a-zA-Z0-9_], not "
                              "starting with a digit or \"__\"",
                              NB_INV_NAME_MAX - 1);
        for (size_t i = 0; reserved[i]; i++)
            if (strcmp(name, reserved[i]) == 0)
                return nb_jr_fail(x, p, name,
                                  "reserved: netblame_info or Prometheus sets this label itself "
                                  "(node, role, version, instance, job)");
        if (c->ninventory == NB_INV_MAX)
            return nb_jr_fail(x, p, name, "at most %d labels", NB_INV_MAX);
        if (nb_jr_str(x, o, p, name, NB_JR_NONEMPTY, NB_INV_VALUE_MAX - 1, &value) < 0)
            return -1;
        for (const char *v = value; *v; v++)
            if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e) {
                nb_jr_quote(q, sizeof(q), value);
                return nb_jr_fail(x, p, name, "must be printable ASCII (got %s)", q);
            }
        struct nb_inventory_label *l = &c->inventory[c->ninventory++];
        snprintf(l->name, sizeof(l->name), "%s", name);
        snprintf(l->value, sizeof(l->value), "%s", value);
    }
    return 0;
}
