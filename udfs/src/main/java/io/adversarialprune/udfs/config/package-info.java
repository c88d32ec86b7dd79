/** How config values name the engine's enum constants, shared by every enum the config sets. */
package io.adversarialprune.udfs.config;
