package io.outfall.ingest.access;

import java.util.Set;

/**
 * Who a request comes from, resolved from its token.
 *
 * @param name the user name (the actor in audit logs)
 * @param sites an operator's own sites; empty for the other roles
 */
public record Principal(String name, Role role, Set<String> sites) {
  public Principal {
    sites = Set.copyOf(sites);
  }

  /** May this principal see data of {@code site}? */
  public boolean sees(String site) {
    return role != Role.OPERATOR || sites.contains(site);
  }
}
