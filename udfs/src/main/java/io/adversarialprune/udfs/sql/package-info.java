/** Spark SQL UDFs as named static classes (spark-sql is a provided dependency). */
package io.adversarialprune.udfs.sql;
