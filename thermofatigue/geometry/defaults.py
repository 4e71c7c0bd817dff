"""Default numbers of the package specs, each with its source.

Each number names its primary source (data sheet and table, standard, paper) and a status: [V]
read in that source, [S] read in a secondary source quoting it, [C] computed from [V]/[S] data,
[U] recalled, not verified. Where no cited value was found, the default is marked ASSUMED: a
round, typical number chosen so that a spec without it still builds; a study that depends on it
must set it.
"""

# --- die / package body -------------------------------------------------------------------
#: Die thickness after back-grinding (mm): A2 body thickness nominal of the 0.4 mm-pitch
#: Cirrus CS53L30 / CS42L73 WLCSPs ("body A2 0.280/0.305/0.330"; Cirrus Logic data sheets
#: DS992F1 Tab. 10-1 and DS882F1 Tab. 17) [V].
DIE_THICKNESS = 0.305
#: Die edge to the outermost ball centre (mm): (2.613 - 5 * 0.4) / 2 = 0.307 (CS53L30) and
#: (3.44 - 7 * 0.4) / 2 = 0.32 (CS42L73), from the package outlines of Cirrus Logic DS992F1
#: Tab. 10-1 (2.613 x 2.213 mm, 30 balls) and DS882F1 Tab. 17 (3.44 x 3.44 mm, 64 balls) [C];
#: 0.31 used.
DIE_EDGE_MARGIN = 0.31

# --- ball --------------------------------------------------------------------------------------
#: Ball diameter for 0.4 mm pitch (mm): "b 0.230/0.260/0.290" nominal (Cirrus Logic CS53L30
#: data sheet DS992F1 Tab. 10-1; CS42L73 DS882F1 Tab. 17) [V].
#: (No family default: the ball diameter is required; this value is used by the shipped specs.)
BALL_DIAMETER_0P4 = 0.26
#: Darveaux interface layer thickness (mm): 0.025 mm (1 mil), the element-layer thickness the
#: original SnPb constants are tied to (R. Darveaux, ECTC 2000; J. Electron. Packag. 124, 2002) [U].
INTERFACE_LAYER = 0.025

# --- board side --------------------------------------------------------------------------------
#: Board thickness (mm): JESD22-B111 class board 1.0 mm (JEDEC JESD22-B111A, 2016; recalled) [U].
BOARD_THICKNESS = 1.0
#: Board margin beyond the package body on each side (mm): ASSUMED modelling choice (no cited
#: value); the JESD22-B111 board is far larger (77 mm wide, JEDEC JESD22-B111 text [V]).
BOARD_MARGIN = 1.0
#: NSMD Cu land diameter as a fraction of the ball diameter: "ball 0.25 -> land 0.20 (20 %
#: reduction); 0.30 -> 0.25; 0.20 -> 0.17 (15 %)", IPC-7351-style land table in the
#: mokotechnology.com Q&A "How can I determine BGA land pad diameter for given ball diameter?"
#: [V, low weight]; 0.8.
BOARD_PAD_RATIO = 0.8
#: Board Cu pad thickness (mm): "Cu thickness <= 1 oz recommended", Texas Instruments
#: "Wafer-level chip-scale package FAQs" [V];
#: 1 oz/ft^2 copper = 0.035 mm (conversion), the upper limit.
BOARD_PAD_THICKNESS = 0.035
#: Pad type: "NSMD preferred for WCSP", Texas Instruments "Wafer-level chip-scale package FAQs" [V].
SOLDER_MASK_TYPE = "nsmd"
#: NSMD mask opening = pad diameter + 0.05 mm: "copper pad + 50 um", Texas Instruments THS7319
#: data sheet SBOS468A, MicroStar CSP land pattern [V] (column mapping in that copy ambiguous).
NSMD_MASK_CLEARANCE = 0.05
#: Solder-mask thickness (mm): ASSUMED (no cited solder-mask data found).
SOLDER_MASK_THICKNESS = 0.02

# --- die-side build-up (UBM diameter, RDL Cu and PI/PBO thicknesses: no cited values found)
#: Passivation (SiN/SiO2) thickness (mm): ASSUMED 1 um.
PASSIVATION_THICKNESS = 0.001
#: Polyimide / PBO dielectric thickness (mm): ASSUMED 7.5 um (PI-2611 films are 3-9 um thick,
#: Adv. Mater. 34(10):e2106787, 2022, Tab. 1 [V]).
DIELECTRIC_THICKNESS = 0.0075
#: Cu RDL thickness (mm): ASSUMED 5 um.
RDL_THICKNESS = 0.005
#: RDL pad diameter under the UBM as a fraction of the UBM diameter: ASSUMED 1.1.
RDL_PAD_RATIO = 1.1
#: UBM diameter as a fraction of the ball diameter: ASSUMED equal to the board land ratio
#: (BOARD_PAD_RATIO above), i.e. a near-symmetric joint.
UBM_RATIO = 0.8
#: UBM thickness (mm): ASSUMED 5 um.
UBM_THICKNESS = 0.005

# --- underfill ---------------------------------------------------------------------------------
#: Underfill fillet: ASSUMED none unless given (width and height 0).
FILLET_WIDTH = 0.0
FILLET_HEIGHT = 0.0

# --- mesh (modelling choices, no cited value) ----------------------------------------------
#: Global element size as a fraction of the pitch.
MESH_SIZE_PER_PITCH = 0.5
#: Joint element size as a fraction of the ball diameter (other joints / critical joint).
JOINT_SIZE_PER_DIAMETER = 1.0 / 5.0
CORNER_JOINT_SIZE_PER_DIAMETER = 1.0 / 8.0
#: Distance over which the size grows from the joint size to the global size, per pitch.
TRANSITION_PER_PITCH = 1.0
