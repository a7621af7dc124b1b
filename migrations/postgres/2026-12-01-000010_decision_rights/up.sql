-- Decision rights (issue #14): who may decide what, and when things happened.
-- A grant up to this amount is decided by the operations forum alone (NULL: none).
ALTER TABLE pools ADD COLUMN operations_forum_limit_ore BIGINT CHECK (operations_forum_limit_ore IS NULL OR operations_forum_limit_ore >= 0);
-- The political decision that lets the co-chairs approve by e-mail ('' = none).
ALTER TABLE pools ADD COLUMN email_mandate_reference TEXT NOT NULL DEFAULT '';
-- When the application was received (back-datable; NULL for rows from before: read as the day it was created).
ALTER TABLE applications ADD COLUMN received_on DATE;
-- A case sent on to the political level whatever its amount.
ALTER TABLE applications ADD COLUMN referred BOOLEAN NOT NULL DEFAULT FALSE;
-- Approvers: a co-chair (one per side), a co-chair's named deputy, or a member.
ALTER TABLE approvers ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('co_chair', 'deputy', 'member'));
ALTER TABLE approvers ADD COLUMN deputy_for TEXT NOT NULL DEFAULT '';
-- Why a case is asked by e-mail when the pool decides in meetings.
ALTER TABLE approval_requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- The seat a link answers for: the co-chair's address (a deputy's link shares its co-chair's seat).
ALTER TABLE approval_links ADD COLUMN seat TEXT NOT NULL DEFAULT '';
-- A carry-over proposed before year end: the amount is what is left when the pool closes.
ALTER TABLE carry_overs ADD COLUMN at_closing BOOLEAN NOT NULL DEFAULT FALSE;
-- ... and approved by the political level before then: it executes in the closing transaction.
ALTER TABLE carry_overs ADD COLUMN approved_before_closing BOOLEAN NOT NULL DEFAULT FALSE;
-- What a carry-over proposed before year end asked for (NULL: everything left at closing).
ALTER TABLE carry_overs ADD COLUMN asked_ore BIGINT CHECK (asked_ore IS NULL OR asked_ore > 0);
