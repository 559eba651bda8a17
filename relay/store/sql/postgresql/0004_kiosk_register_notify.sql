-- Every change to the kiosk register, by a relay node or by hand in psql, notifies the
-- channel kiosk_register once per statement: each node keeps the standing of the kiosks
-- it serves in memory and forgets it on this notice (relay/store/pg_listen.py), instead
-- of reading the register on every request.
CREATE FUNCTION kiosk_register_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kiosk_register', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
CREATE TRIGGER kiosks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kiosks
    FOR EACH STATEMENT EXECUTE FUNCTION kiosk_register_changed();
CREATE TRIGGER kiosk_certificates_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kiosk_certificates
    FOR EACH STATEMENT EXECUTE FUNCTION kiosk_register_changed();
