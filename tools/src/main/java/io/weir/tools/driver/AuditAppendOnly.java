package io.weir.tools.driver;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/** The registry's audit log is append-only: H2 calls this before any UPDATE or DELETE of it. */
public final class AuditAppendOnly implements Trigger {
    @Override
    public void init(
            Connection conn,
            String schemaName,
            String triggerName,
            String tableName,
            boolean before,
            int type) {}

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        throw new SQLException("the driver audit log is append-only");
    }
}
