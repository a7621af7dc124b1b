//! Written by hand: `diesel print-schema` differs per backend, and these
//! types are the portable subset both migrations agree on.

diesel::table! {
    clusters (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        region -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    parties (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        slug -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    target_populations (code) {
        code -> Text,
        name_da -> Text,
        name_en -> Text,
        position -> Integer,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        clusters -> Text,
        key_hash -> Text,
        key_prefix -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        user_id -> Nullable<BigInt>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        role -> Text,
        clusters -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (owner, idem_key) {
        owner -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        state -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pools (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        year -> Integer,
        amount_ore -> BigInt,
        model_kind -> Text,
        upfront_share_ppm -> Nullable<Integer>,
        state -> Text,
        recommendation_required -> Bool,
        strategic_mode -> Text,
        political_threshold_ore -> BigInt,
        note -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        political_mode -> Text,
        operations_forum_limit_ore -> Nullable<BigInt>,
        email_mandate_reference -> Text,
        criteria_json -> Text,
        cross_sector_required -> Bool,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        pool_id -> BigInt,
        kind -> Text,
        memo -> Text,
        actor -> Text,
        created_at -> Timestamp,
        application_id -> Nullable<BigInt>,
        carry_over_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    postings (id) {
        id -> BigInt,
        entry_id -> BigInt,
        pool_id -> BigInt,
        bucket -> Text,
        account -> Text,
        amount_ore -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        stream -> Text,
    }
}

diesel::joinable!(parties -> clusters (cluster_id));
diesel::joinable!(pools -> clusters (cluster_id));
diesel::joinable!(ledger_entries -> pools (pool_id));
diesel::joinable!(postings -> ledger_entries (entry_id));

diesel::allow_tables_to_appear_in_same_query!(
    clusters,
    parties,
    target_populations,
    api_keys,
    pools,
    ledger_entries,
    postings,
    audit_events,
    applications,
    application_target_populations,
    application_partners,
    budget_lines,
    application_steps,
    grants,
    disbursements,
    users,
    idempotency_keys,
    approvers,
    approval_requests,
    approval_links,
    outbox,
    population_counts,
    carry_overs,
    meetings,
    meeting_items,
    amendments,
    amendment_steps,
);

diesel::table! {
    applications (id) {
        id -> BigInt,
        pool_id -> BigInt,
        title -> Text,
        applicant_party_id -> BigInt,
        purpose -> Text,
        goals -> Text,
        organisation -> Text,
        evaluation -> Text,
        expense_kind -> Text,
        requested_ore -> BigInt,
        starts_on -> Date,
        ends_on -> Date,
        bucket -> Text,
        origin -> Text,
        contact_email -> Text,
        criteria_json -> Text,
        state -> Text,
        recommended_ore -> Nullable<BigInt>,
        reserved_ore -> BigInt,
        approved_ore -> Nullable<BigInt>,
        awaiting -> Nullable<Text>,
        rejected_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        received_on -> Nullable<Date>,
        referred -> Bool,
        criteria_checked_json -> Text,
    }
}

diesel::table! {
    application_partners (application_id, party_id) {
        application_id -> BigInt,
        party_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    application_target_populations (application_id, code) {
        application_id -> BigInt,
        code -> Text,
        position -> Integer,
    }
}

diesel::table! {
    budget_lines (application_id, year) {
        application_id -> BigInt,
        year -> Integer,
        amount_ore -> BigInt,
    }
}

diesel::table! {
    application_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        step -> Text,
        outcome -> Text,
        amount_ore -> Nullable<BigInt>,
        meeting_date -> Nullable<Date>,
        reference -> Text,
        note -> Text,
        actor -> Text,
        recorded_at -> Timestamp,
        meeting_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    grants (id) {
        id -> BigInt,
        application_id -> BigInt,
        pool_id -> BigInt,
        bucket -> Text,
        amount_ore -> BigInt,
        disbursed_ore -> BigInt,
        released_ore -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    disbursements (id) {
        id -> BigInt,
        grant_id -> BigInt,
        amount_ore -> BigInt,
        paid_on -> Date,
        reference -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    approvers (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        name -> Text,
        email -> Text,
        level -> Text,
        side -> Text,
        position -> Integer,
        party -> Text,
        role -> Text,
        deputy_for -> Text,
    }
}

diesel::table! {
    approval_requests (id) {
        id -> BigInt,
        application_id -> Nullable<BigInt>,
        level -> Text,
        state -> Text,
        application_version -> BigInt,
        requested_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        carry_over_id -> Nullable<BigInt>,
        reason -> Text,
    }
}

diesel::table! {
    approval_links (id) {
        id -> BigInt,
        request_id -> BigInt,
        approver_name -> Text,
        approver_email -> Text,
        token_hash -> Text,
        nonce -> Text,
        state -> Text,
        expires_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        comment -> Text,
        client_ip -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        seat -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        to_address -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(approval_links -> approval_requests (request_id));
diesel::joinable!(approval_requests -> applications (application_id));
diesel::joinable!(applications -> pools (pool_id));
diesel::joinable!(applications -> parties (applicant_party_id));
diesel::joinable!(application_target_populations -> applications (application_id));
diesel::joinable!(application_partners -> applications (application_id));
diesel::joinable!(application_partners -> parties (party_id));
diesel::joinable!(grants -> applications (application_id));
diesel::joinable!(disbursements -> grants (grant_id));

diesel::table! {
    population_counts (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        year -> Integer,
        target_population -> Text,
        municipality -> Text,
        count -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(population_counts -> clusters (cluster_id));

diesel::table! {
    carry_overs (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        source_pool_id -> BigInt,
        to_year -> Integer,
        bucket -> Text,
        amount_ore -> BigInt,
        state -> Text,
        recommendation_reference -> Text,
        recommendation_date -> Nullable<Date>,
        target_model_kind -> Nullable<Text>,
        target_upfront_share_ppm -> Nullable<Integer>,
        note -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_channel -> Nullable<Text>,
        meeting_date -> Nullable<Date>,
        decision_reference -> Text,
        target_pool_id -> Nullable<BigInt>,
        version -> BigInt,
        at_closing -> Bool,
        approved_before_closing -> Bool,
        asked_ore -> Nullable<BigInt>,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        cluster_id -> BigInt,
        forum -> Text,
        meeting_date -> Date,
        title -> Text,
        location -> Text,
        attendees -> Text,
        apologies -> Text,
        state -> Text,
        reference -> Text,
        held_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_items (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        number -> Integer,
        kind -> Text,
        application_id -> Nullable<BigInt>,
        carry_over_id -> Nullable<BigInt>,
        pool_id -> Nullable<BigInt>,
        model_kind -> Nullable<Text>,
        model_share_ppm -> Nullable<Integer>,
        title -> Text,
        case_text -> Text,
        proposals -> Text,
        edited -> Bool,
        outcome -> Nullable<Text>,
        outcome_amount_ore -> Nullable<BigInt>,
        outcome_note -> Text,
        postponed_from -> Nullable<BigInt>,
        carried_to -> Nullable<BigInt>,
        version -> BigInt,
        amendment_id -> Nullable<BigInt>,
        grant_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    amendments (id) {
        id -> BigInt,
        grant_id -> BigInt,
        state -> Text,
        awaiting -> Nullable<Text>,
        political_required -> Bool,
        amount_before_ore -> BigInt,
        amount_after_ore -> BigInt,
        ends_on_before -> Date,
        ends_on_after -> Date,
        budget_before -> Text,
        budget_after -> Text,
        reason -> Text,
        version -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    amendment_steps (id) {
        id -> BigInt,
        amendment_id -> BigInt,
        level -> Text,
        outcome -> Text,
        meeting_date -> Date,
        reference -> Text,
        note -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(amendments -> grants (grant_id));
diesel::joinable!(amendment_steps -> amendments (amendment_id));
diesel::joinable!(budget_lines -> applications (application_id));

diesel::table! {
    attachments (id) {
        id -> BigInt,
        application_id -> Nullable<BigInt>,
        grant_id -> Nullable<BigInt>,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        state -> Text,
        uploaded_by -> Text,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
        removed_reason -> Nullable<Text>,
    }
}

diesel::table! {
    attachment_chunks (attachment_id, seq) {
        attachment_id -> BigInt,
        seq -> Integer,
        bytes -> Binary,
    }
}

diesel::table! {
    reporting_plans (grant_id) {
        grant_id -> BigInt,
        version -> BigInt,
        set_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reporting_plan_entries (id) {
        id -> BigInt,
        grant_id -> BigInt,
        due_on -> Date,
        kind -> Text,
    }
}

diesel::table! {
    progress_reports (id) {
        id -> BigInt,
        grant_id -> BigInt,
        due_on -> Date,
        kind -> Text,
        progress -> Text,
        body -> Text,
        attachments -> Text,
        submitted_by -> Text,
        channel -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    report_links (id) {
        id -> BigInt,
        grant_id -> BigInt,
        due_on -> Date,
        kind -> Text,
        email -> Text,
        token_hash -> Text,
        nonce -> Text,
        state -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    follow_up_reminders (grant_id, due_on, kind, reminder) {
        grant_id -> BigInt,
        due_on -> Date,
        kind -> Text,
        reminder -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    dashboard_sessions (id) {
        id -> BigInt,
        session_hash -> Text,
        api_key_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(dashboard_sessions -> api_keys (api_key_id));
diesel::allow_tables_to_appear_in_same_query!(dashboard_sessions, api_keys);
