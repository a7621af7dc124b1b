//! Who may do what: the role × action matrix, in one place.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Admin,
    Finance,
    Secretariat,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Finance, Role::Secretariat, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Finance => "finance",
            Role::Secretariat => "secretariat",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Things a caller may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read anything its clusters cover.
    Read,
    /// Create and edit clusters and parties.
    ManageReference,
    /// Create, edit, open and close pools.
    ManagePools,
    /// Register, edit, submit and withdraw applications.
    ManageApplications,
    /// Record the operations forum's recommendations and the decisions of
    /// the strategic and political levels (also moving money between buckets).
    RecordDecisions,
    /// Disburse from grants and release what is unused.
    ManageGrants,
    /// Create users, issue and revoke keys, read the audit trail's chain.
    ManageUsers,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::ManageReference,
        Action::ManagePools,
        Action::ManageApplications,
        Action::RecordDecisions,
        Action::ManageGrants,
    ];

    /// The name used in the OpenAPI document (`x-permission`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ManageReference => "manage_reference",
            Action::ManagePools => "manage_pools",
            Action::ManageApplications => "manage_applications",
            Action::RecordDecisions => "record_decisions",
            Action::ManageGrants => "manage_grants",
            Action::ManageUsers => "manage_users",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().chain([Action::ManageUsers]).find(|a| a.as_str() == text)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ManageReference => "manage clusters and parties",
            Action::ManagePools => "manage pools",
            Action::ManageApplications => "manage applications",
            Action::RecordDecisions => "record recommendations and decisions",
            Action::ManageGrants => "disburse or release grant money",
            Action::ManageUsers => "manage users and keys",
        }
    }
}

/// The matrix. Issue by issue it grows; every handler asks it.
pub fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match (role, action) {
        (_, Read) => true,
        (Viewer, _) => false,
        (Admin, _) => true,
        (_, ManageUsers) => false,
        (Finance, ManageReference | ManagePools | ManageApplications | ManageGrants) => true,
        (Finance, RecordDecisions) => false,
        (Secretariat, ManageApplications | RecordDecisions) => true,
        (Secretariat, ManageReference | ManagePools | ManageGrants) => false,
    }
}

impl Action {
    /// Whether only a key that covers all clusters may do this at all
    /// (users span clusters: a key limited to some could widen its own reach).
    pub fn needs_all_clusters(self) -> bool {
        self == Action::ManageUsers
    }
}

/// What spans every cluster, so that a key limited to some clusters may not reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spanning {
    /// Users and keys.
    Users,
    /// The audit trail (one chain for all clusters).
    AuditTrail,
    /// A new cluster (the key could not see it).
    NewCluster,
}

impl Spanning {
    pub fn describe(self) -> &'static str {
        match self {
            Spanning::Users => "managing users",
            Spanning::AuditTrail => "the audit trail",
            Spanning::NewCluster => "creating a cluster",
        }
    }
}

/// Whether `scope` may reach what spans every cluster.
pub fn may_span(scope: &ClusterScope, _what: Spanning) -> bool {
    *scope == ClusterScope::All
}

/// The clusters a key may see: all of them, or the named ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterScope {
    All,
    Only(BTreeSet<String>),
}

impl ClusterScope {
    pub fn covers(&self, cluster_slug: &str) -> bool {
        match self {
            ClusterScope::All => true,
            ClusterScope::Only(set) => set.contains(cluster_slug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_spans_every_cluster_needs_a_key_for_all_of_them() {
        let vest = ClusterScope::Only(["vest".to_string()].into());
        for what in [Spanning::Users, Spanning::AuditTrail, Spanning::NewCluster] {
            assert!(!may_span(&vest, what));
            assert!(may_span(&ClusterScope::All, what));
        }
        assert!(Action::ManageUsers.needs_all_clusters());
        assert!(!Action::Read.needs_all_clusters());
    }

    #[test]
    fn every_role_reads_and_only_finance_and_admin_write_here() {
        for role in Role::ALL {
            assert!(permits(role, Action::Read));
            let writes = matches!(role, Role::Admin | Role::Finance);
            assert_eq!(permits(role, Action::ManagePools), writes, "{role:?}");
            assert_eq!(permits(role, Action::ManageReference), writes, "{role:?}");
        }
    }

    #[test]
    fn the_secretariat_records_decisions_and_finance_moves_grant_money() {
        assert!(permits(Role::Secretariat, Action::RecordDecisions));
        assert!(!permits(Role::Finance, Action::RecordDecisions));
        assert!(permits(Role::Finance, Action::ManageGrants));
        assert!(!permits(Role::Secretariat, Action::ManageGrants));
        for action in [Action::ManageApplications, Action::RecordDecisions, Action::ManageGrants] {
            assert!(permits(Role::Admin, action));
            assert!(!permits(Role::Viewer, action));
        }
    }

    #[test]
    fn a_scoped_key_covers_only_its_clusters() {
        let scope = ClusterScope::Only(["vest".to_string()].into());
        assert!(scope.covers("vest"));
        assert!(!scope.covers("nord"));
        assert!(ClusterScope::All.covers("nord"));
    }
}
