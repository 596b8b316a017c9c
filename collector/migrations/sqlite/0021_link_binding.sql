-- Reset links and invitations are bound to the state they were issued for (security review:
-- an admin's old reset link must not take over a user promoted to owner meanwhile, and a link
-- must die with its issuer's rights).
--
-- `link_epoch` is bumped by every change to what a user may do or how they sign in (role,
-- disabling and re-enabling, a new password), but not by sign-out, so signing out does not
-- void the invitations one issued. A reset link carries its target's and its issuer's epoch,
-- an invitation its issuer's; a link whose epochs no longer match is refused.
ALTER TABLE admin_users ADD COLUMN link_epoch BIGINT NOT NULL DEFAULT 0;

-- Invitations are signed tokens, nothing is stored when one is issued; accepting one records
-- its `jti` here, in the same transaction that creates the user, so an invitation works once
-- even after the user it created is deleted.
CREATE TABLE admin_invitations_accepted (
    jti TEXT PRIMARY KEY,
    accepted_at BIGINT NOT NULL
);
