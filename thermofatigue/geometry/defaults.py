"""Default numbers of the package specs, each with its source.

"DATA.md" is /work/shared/reference/DATA.md (the project's cited reference data). Where DATA.md
has no value ("not found"), the default is marked ASSUMED: a round, typical number chosen so that
a spec without it still builds; a study that depends on it must set it.
"""

# --- die / package body -------------------------------------------------------------------
#: Die thickness after back-grinding (mm): A2 body thickness nominal of the 0.4 mm-pitch
#: Cirrus CS53L30 / CS42L73 WLCSPs, DATA.md §6.1 ("body A2 0.280/0.305/0.330") [V].
DIE_THICKNESS = 0.305
#: Die edge to the outermost ball centre (mm): (2.613 - 5 * 0.4) / 2 = 0.307 (CS53L30) and
#: (3.44 - 7 * 0.4) / 2 = 0.32 (CS42L73), DATA.md §6.1 outlines [C]; 0.31 used.
DIE_EDGE_MARGIN = 0.31

# --- ball --------------------------------------------------------------------------------------
#: Ball diameter for 0.4 mm pitch (mm): "b 0.230/0.260/0.290" nominal, DATA.md §6.1 [V].
#: (No family default: the ball diameter is required; this value is used by the shipped specs.)
BALL_DIAMETER_0P4 = 0.26
#: Darveaux interface layer thickness (mm): 0.025 mm (1 mil), DATA.md §4.1 "layer thickness" [U].
INTERFACE_LAYER = 0.025

# --- board side --------------------------------------------------------------------------------
#: Board thickness (mm): JESD22-B111 class board 1.0 mm, DATA.md §6.2 [U].
BOARD_THICKNESS = 1.0
#: Board margin beyond the package body on each side (mm): ASSUMED modelling choice (not a
#: DATA.md value); the JESD22-B111 board is far larger (77 mm wide, DATA.md §6.2).
BOARD_MARGIN = 1.0
#: NSMD Cu land diameter as a fraction of the ball diameter: "ball 0.25 -> land 0.20 (20 %
#: reduction); 0.30 -> 0.25; 0.20 -> 0.17 (15 %)", DATA.md §6.2 land vs ball [V, low weight]; 0.8.
BOARD_PAD_RATIO = 0.8
#: Board Cu pad thickness (mm): "Cu thickness <= 1 oz recommended", DATA.md §6.2 [V];
#: 1 oz/ft^2 copper = 0.035 mm (conversion), the upper limit.
BOARD_PAD_THICKNESS = 0.035
#: Pad type: "NSMD preferred for WCSP", DATA.md §6.2 [V].
SOLDER_MASK_TYPE = "nsmd"
#: NSMD mask opening = pad diameter + 0.05 mm: "copper pad + 50 um", DATA.md §6.2 TI THS7319
#: row [V] (column mapping in that copy ambiguous).
NSMD_MASK_CLEARANCE = 0.05
#: Solder-mask thickness (mm): ASSUMED (DATA.md §3.5 "solder mask: not found").
SOLDER_MASK_THICKNESS = 0.02

# --- die-side build-up (DATA.md §6.1: "UBM diameter, RDL Cu and PI/PBO thicknesses: not found")
#: Passivation (SiN/SiO2) thickness (mm): ASSUMED 1 um.
PASSIVATION_THICKNESS = 0.001
#: Polyimide / PBO dielectric thickness (mm): ASSUMED 7.5 um (DATA.md §3.5 PI-2611 films are
#: 3-9 um thick [V]).
DIELECTRIC_THICKNESS = 0.0075
#: Cu RDL thickness (mm): ASSUMED 5 um.
RDL_THICKNESS = 0.005
#: RDL pad diameter under the UBM as a fraction of the UBM diameter: ASSUMED 1.1.
RDL_PAD_RATIO = 1.1
#: UBM diameter as a fraction of the ball diameter: ASSUMED equal to the board land ratio
#: (BOARD_PAD_RATIO, DATA.md §6.2), i.e. a near-symmetric joint.
UBM_RATIO = 0.8
#: UBM thickness (mm): ASSUMED 5 um.
UBM_THICKNESS = 0.005

# --- underfill ---------------------------------------------------------------------------------
#: Underfill fillet: ASSUMED none unless given (width and height 0).
FILLET_WIDTH = 0.0
FILLET_HEIGHT = 0.0

# --- mesh (modelling choices, no DATA.md row) ----------------------------------------------
#: Global element size as a fraction of the pitch.
MESH_SIZE_PER_PITCH = 0.5
#: Joint element size as a fraction of the ball diameter (other joints / critical joint).
JOINT_SIZE_PER_DIAMETER = 1.0 / 5.0
CORNER_JOINT_SIZE_PER_DIAMETER = 1.0 / 8.0
#: Distance over which the size grows from the joint size to the global size, per pitch.
TRANSITION_PER_PITCH = 1.0
